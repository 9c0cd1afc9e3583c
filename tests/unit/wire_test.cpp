#include "protocol/sketch.hpp"
#include "protocol/wire.hpp"

#include <doctest/doctest.h>

using namespace p2p;

namespace {

std::string decode_error(const std::string& text) {
  wire::message m;
  std::string why;
  CHECK_FALSE(wire::decode(text, m, why));
  return why;
}

} // namespace

TEST_CASE("wire: every message round-trips") {
  wire::message m;
  std::string why;
  REQUIRE(wire::decode(wire::encode(wire::hello{1, "abcd", "ef01"}), m, why));
  CHECK(std::get<wire::hello>(m).id == "abcd");
  CHECK(std::get<wire::hello>(m).epoch == "ef01");
  REQUIRE(wire::decode(wire::encode(wire::sync{42}), m, why));
  CHECK(std::get<wire::sync>(m).since == 42);
  REQUIRE(wire::decode(wire::encode(wire::ack{7}), m, why));
  CHECK(std::get<wire::ack>(m).upto == 7);
  REQUIRE(wire::decode(wire::encode(wire::error{"bad \"thing\""}), m, why));
  CHECK(std::get<wire::error>(m).message == "bad \"thing\"");
  update a{"users/al\xC3\xAF" "ce", R"({"n":[1,2]})", (uint64_t{1} << 56) + 3,
           "00ff"};
  update b{"x", "null", 5, "0a"};
  REQUIRE(wire::decode(wire::encode_changes({&a, &b}, 99), m, why));
  auto& c = std::get<wire::changes>(m);
  CHECK(c.upto == 99);
  REQUIRE(c.items.size() == 2);
  CHECK(c.items[0] == a); // a 57-bit stamp survives exactly
  CHECK(c.items[1].is_tombstone());
}

TEST_CASE("wire: malformed, unknown and mistyped frames are refused") {
  CHECK(decode_error("not json").find("not JSON") != std::string::npos);
  CHECK(decode_error("[1,2]").find("object") != std::string::npos);
  CHECK(decode_error(R"({"type":"gossip"})").find("unknown") != std::string::npos);
  CHECK(decode_error(R"({"version":1})").find("type") != std::string::npos);
  CHECK(decode_error(R"({"type":"hello","version":2,"id":"ab","epoch":"cd"})")
          .find("version") != std::string::npos);
  CHECK(decode_error(R"({"type":"hello","version":1,"id":"xyz","epoch":"cd"})")
          .find("hex") != std::string::npos);
  CHECK(!decode_error(R"({"type":"hello","version":1,"id":"ab"})").empty());
  CHECK(!decode_error(R"({"type":"sync","since":-1})").empty());
  CHECK(!decode_error(R"({"type":"sync","since":"1"})").empty());
  CHECK(!decode_error(R"({"type":"changes","upto":1,"items":{}})").empty());
  auto item = [](const std::string& fields) {
    return R"({"type":"changes","upto":1,"items":[{)" + fields + "}]}";
  };
  CHECK(decode_error(item(R"("path":"a//b","value":1,"hlc":1,"origin":"ab")"))
          .find("path") != std::string::npos);
  CHECK(!decode_error(item(R"("path":"a","value":1,"hlc":"x1","origin":"ab")"))
           .empty());
  CHECK(!decode_error(item(R"("path":"a","value":1,"hlc":1,"origin":"zz")"))
           .empty());
  CHECK(!decode_error(item(R"("path":"a","hlc":1,"origin":"ab")")).empty());
  CHECK(!decode_error(std::string(wire::max_frame_bytes + 1, ' ')).empty());
}

TEST_CASE("wire: far-future items are refused alone, deep values accepted") {
  wire::message m;
  std::string why;
  uint64_t now = 1'700'000'000'000;
  update soon{"a", "1", hlc_from_ms(now + 60'000), "ab"};
  update far{"b", "2", hlc_from_ms(now + wire::max_clock_skew_ms + 1), "ab"};
  update later{"c", "3", hlc_from_ms(now), "ab"};
  REQUIRE(wire::decode(wire::encode_changes({&soon, &far, &later}, 9), m, why,
                       now));
  auto& c = std::get<wire::changes>(m);
  CHECK(c.upto == 9);
  REQUIRE(c.items.size() == 2);
  CHECK(c.items[0] == soon);
  CHECK(c.items[1] == later);
  CHECK(c.refused == 1);
  CHECK(c.refusal.find("b: ") == 0);
  CHECK(c.refusal.find("future") != std::string::npos);
  // Refused for its stamp, but still checked: a malformed one is an error.
  CHECK_FALSE(wire::decode(R"({"type":"changes","upto":1,"items":[{"path":"a//b",)"
                           R"("value":1,"hlc":1152921504606846975,"origin":"ab"}]})",
                           m, why, now));
  // The deepest value the HTTP API accepts (32 levels) still travels.
  std::string deep = std::string(31, '[') + "1" + std::string(31, ']');
  update d{"d", deep, hlc_from_ms(now), "ab"};
  CHECK(wire::decode(wire::encode_changes({&d}, 1), m, why, now));
}

TEST_CASE("wire: a sync may carry a sketch, which must be one") {
  wire::message m;
  std::string why;
  sketch sk;
  sk.add(42);
  REQUIRE(wire::decode(wire::encode(wire::sync{0, sk.to_text()}), m, why));
  CHECK(std::get<wire::sync>(m).sketch == sk.to_text());
  CHECK_FALSE(decode_error(R"({"type":"sync","since":0,"sketch":"not base64!"})")
                .empty());
  CHECK_FALSE(decode_error(R"({"type":"sync","since":0,"sketch":5})").empty());
}

TEST_CASE("wire: stamps travel as strings, integers still read") {
  // JavaScript reads every JSON number as a double: 117714745343148033 would
  // come back as 117714745343148030. A stamp is written as a string.
  update u{"p", "1.5", 117714745343148033, "ab"};
  auto frame = wire::encode_changes({&u}, 3);
  CHECK(frame.find(R"("hlc":"117714745343148033")") != std::string::npos);
  wire::message m;
  std::string why;
  auto now = wall_ms_of(u.time);
  REQUIRE(wire::decode(frame, m, why, now));
  CHECK(std::get<wire::changes>(m).items.at(0) == u);
  // An older node's integer form.
  REQUIRE(wire::decode(R"({"type":"changes","upto":3,"items":[{"path":"p",)"
                       R"("value":1.5,"hlc":117714745343148033,"origin":"ab"}]})",
                       m, why, now));
  CHECK(std::get<wire::changes>(m).items.at(0) == u);
  for (auto hlc : {R"("")", R"("soon")", R"("-1")", R"("1e5")", "1.5"}) {
    CAPTURE(hlc);
    CHECK_FALSE(wire::decode(std::string(R"({"type":"changes","upto":3,)")
                               + R"("items":[{"path":"p","value":1,"hlc":)"
                               + hlc + R"(,"origin":"ab"}]})",
                             m, why, now));
  }
}

TEST_CASE("wire: an item over the value limit as stored is refused") {
  // Under the frame limit as sent, over the value limit once canonical.
  std::string value = "[1e20";
  while (value.size() + 5 < max_value_bytes / 2)
    value += ",1e20";
  value += ']';
  auto frame = R"({"type":"changes","upto":1,"items":[{"path":"p","value":)"
               + value + R"(,"hlc":"5","origin":"ab"}]})";
  CHECK(decode_error(frame).find("over the limit") != std::string::npos);
}

TEST_CASE("wire: a hello's clock is optional, and an item's size is exact") {
  wire::message m;
  std::string why;
  REQUIRE(wire::decode(wire::encode(wire::hello{1, "ab", "cd", "", 1234}), m,
                       why));
  CHECK(std::get<wire::hello>(m).now == 1234);
  REQUIRE(wire::decode(R"({"type":"hello","version":1,"id":"ab","epoch":"cd"})",
                       m, why));
  CHECK(std::get<wire::hello>(m).now == 0);
  CHECK_FALSE(wire::decode(
    R"({"type":"hello","version":1,"id":"ab","epoch":"cd","now":-1})", m, why));
  update u{"p/\"q\"", R"({"x":"\u00e9"})", 123456789, "ab"};
  auto empty = wire::encode_changes({}, 5).size();
  CHECK(wire::encode_changes({&u}, 5).size() == empty + wire::encoded_item_bytes(u));
}

TEST_CASE("wire: the tree and overlay messages round-trip") {
  wire::message m;
  std::string why;
  std::vector<wire::item_id> ids{{"a/b", 117625894400131073ull, "c43b"}};
  update v{"x", "1", hlc_from_ms(1000), "ab"};
  REQUIRE(wire::decode(wire::encode_changes({&v}, 12, &ids), m, why));
  auto& got = std::get<wire::changes>(m);
  CHECK(got.upto == 12);
  REQUIRE(got.items.size() == 1);
  REQUIRE(got.ids.size() == 1);
  CHECK(got.ids[0].time == 117625894400131073ull);
  CHECK(got.ids[0].origin == "c43b");
  CHECK(wire::encoded_id_bytes(ids[0])
        == wire::encode(wire::graft{ids}).size()
             - std::string(R"({"type":"graft","items":[]})").size());
  REQUIRE(wire::decode(wire::encode(wire::graft{ids}), m, why));
  CHECK(std::get<wire::graft>(m).items[0].path == "a/b");
  REQUIRE(wire::decode(wire::encode(wire::prune{{"ab", "cd"}}), m, why));
  CHECK(std::get<wire::prune>(m).origins == std::vector<std::string>{"ab", "cd"});
  REQUIRE(wire::decode(wire::encode(wire::shed{}), m, why));
  CHECK(std::holds_alternative<wire::shed>(m));
  update u{"x", R"({"v":1.5})", hlc_from_ms(1000), "ab"};
  REQUIRE(wire::decode(wire::encode_payload({&u}), m, why));
  REQUIRE(std::get<wire::payload>(m).items.size() == 1);
  CHECK(std::get<wire::payload>(m).items[0] == u);
  wire::peers p{{{"ab", "http://10.0.0.1:3000"}, {"", "HTTP://[::1]:4000/"}},
                true};
  REQUIRE(wire::decode(wire::encode(p), m, why));
  auto& got_p = std::get<wire::peers>(m);
  CHECK(got_p.reply);
  REQUIRE(got_p.addresses.size() == 2);
  CHECK(got_p.addresses[1].url == "http://[::1]:4000"); // canonical
  CHECK(got_p.addresses[1].id.empty());
}

TEST_CASE("wire: the hello's overlay fields, which older hellos lack") {
  wire::message m;
  std::string why;
  wire::hello h{1, "abcd", "ef01"};
  h.advertise = "http://node-a:3000";
  h.speaks_tree = true;
  REQUIRE(wire::decode(wire::encode(h), m, why));
  auto& got = std::get<wire::hello>(m);
  CHECK(got.advertise == "http://node-a:3000");
  CHECK(got.speaks_tree);
  CHECK_FALSE(got.speaks_peers);
  REQUIRE(wire::decode(R"({"type":"hello","version":1,"id":"ab","epoch":"cd"})",
                       m, why));
  CHECK_FALSE(std::get<wire::hello>(m).speaks_tree);
  // A newer node's features are ignored, not an error.
  REQUIRE(wire::decode(R"({"type":"hello","version":1,"id":"ab","epoch":"cd",)"
                       R"("features":["tree","teleport"]})",
                       m, why));
  CHECK(std::get<wire::hello>(m).speaks_tree);
}

TEST_CASE("wire: malformed or oversized overlay messages are refused") {
  CHECK(!decode_error(R"({"type":"changes","upto":1,"items":[],"ids":[{"path":"a"}]})")
           .empty());
  CHECK(!decode_error(R"({"type":"prune","origins":["not hex"]})").empty());
  CHECK(!decode_error(R"({"type":"graft","items":[{"path":"a","hlc":"0","origin":"ab"}]})")
           .empty());
  CHECK(!decode_error(R"({"type":"graft","items":[{"path":"../a","hlc":"5","origin":"ab"}]})")
           .empty());
  CHECK(!decode_error(R"({"type":"peers","addresses":[{"url":"ftp://x:1"}]})")
           .empty());
  CHECK(!decode_error(R"({"type":"peers","addresses":[{"url":"http://x:1","id":"zz"}]})")
           .empty());
  CHECK(!decode_error(R"({"type":"hello","version":1,"id":"ab","epoch":"cd","advertise":"nope"})")
           .empty());
  std::string many = R"({"type":"peers","addresses":[)";
  for (int i = 0; i < 33; ++i)
    many += std::string(i ? "," : "") + R"({"url":"http://10.0.0.)"
            + std::to_string(i) + R"(:1"})";
  CHECK(decode_error(many + "]}").find("more than 32") != std::string::npos);
  std::string ids = R"({"type":"graft","items":[)";
  for (std::size_t i = 0; i <= wire::max_ids_per_frame; ++i)
    ids += std::string(i ? "," : "") + R"({"path":"a","hlc":"5","origin":"ab"})";
  CHECK(!decode_error(ids + "]}").empty());
}

TEST_CASE("wire: reconciliation messages round-trip and are checked whole") {
  wire::message m;
  std::string why;
  auto now = system_wall_ms();
  wire::reconcile page{hlc_from_ms(now - 1000) + 7, "a", "c", false, {"b", "c"}};
  REQUIRE(wire::decode(wire::encode(page), m, why));
  auto& got = std::get<wire::reconcile>(m);
  CHECK(got.horizon == page.horizon);
  CHECK(got.after == "a");
  CHECK(got.through == "c");
  CHECK_FALSE(got.end);
  CHECK(got.paths == page.paths);
  wire::reconcile last{0, "", "", true, {}};
  REQUIRE(wire::decode(wire::encode(last), m, why));
  CHECK(std::get<wire::reconcile>(m).end);
  CHECK(std::get<wire::reconcile>(m).horizon == 0);
  REQUIRE(wire::decode(wire::encode(wire::reconciled{}), m, why));
  CHECK(std::holds_alternative<wire::reconciled>(m));
  REQUIRE(wire::decode(wire::encode(wire::horizon{page.horizon}), m, why));
  CHECK(std::get<wire::horizon>(m).value == page.horizon);
  wire::hello h{1, "ab", "cd"};
  h.speaks_reconcile = true;
  REQUIRE(wire::decode(wire::encode(h), m, why));
  CHECK(std::get<wire::hello>(m).speaks_reconcile);
  CHECK_FALSE(std::get<wire::hello>(m).speaks_tree);

  // Paths out of order, outside the range, invalid; a range backwards; a
  // horizon ahead of our clock; too many paths.
  auto bad = [&](wire::reconcile p) { return decode_error(wire::encode(p)); };
  CHECK(bad({1, "a", "c", false, {"c", "b"}}).find("ascend") != std::string::npos);
  CHECK(bad({1, "a", "c", false, {"b", "d"}}).find("ascend") != std::string::npos);
  CHECK(bad({1, "b", "c", false, {"a"}}).find("ascend") != std::string::npos);
  CHECK(bad({1, "a", "c", false, {"b", "b"}}).find("ascend") != std::string::npos);
  CHECK(!bad({1, "a", "c", false, {"../x"}}).empty());
  CHECK(bad({1, "c", "a", false, {}}).find("through") != std::string::npos);
  CHECK(!bad({1, "../a", "", true, {}}).empty());
  CHECK(bad({hlc_from_ms(now + 3600 * 1000), "", "", true, {}}).find("horizon")
        != std::string::npos);
  CHECK(!decode_error(R"({"type":"horizon","horizon":-1})").empty());
  CHECK(!decode_error(R"({"type":"reconcile","horizon":"1","after":"","end":"yes","paths":[]})")
           .empty());
  wire::reconcile many{1, "", "", true, {}};
  for (int i = 0; i < 4097; ++i)
    many.paths.push_back("p/" + std::to_string(100000 + i));
  CHECK(bad(many).find("more than 4096") != std::string::npos);
}
