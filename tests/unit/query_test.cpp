#include "protocol/hex.hpp"
#include "protocol/json_pointer.hpp"
#include "protocol/ndjson.hpp"
#include "protocol/query.hpp"
#include "protocol/sort_key.hpp"
#include "storage/database.hpp"
#include "test_dir.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>

using namespace p2p;

namespace {

boost::json::value js(std::string_view text) {
  return boost::json::parse(text);
}

compiled_query compile(const field_query& q) {
  std::string why;
  auto cq = compiled_query::compile(q, why);
  REQUIRE_MESSAGE(cq, why);
  return *cq;
}

/// Every page of `q`, through the index or by scan.
std::vector<update> all_pages(database& db, field_query q, bool use_index,
                              bool& used_index) {
  q.use_index = use_index;
  std::vector<update> out;
  for (int pages = 0; pages < 1000; ++pages) {
    auto r = db.query(q, compile(q));
    used_index = r.index.has_value();
    out.insert(out.end(), r.results.begin(), r.results.end());
    if (r.next.empty())
      return out;
    REQUIRE(decode_cursor(r.next, q.after));
  }
  FAIL("too many pages");
  return out;
}

} // namespace

TEST_CASE("JSON pointers resolve fields, array items and escapes") {
  auto doc = js(R"({"a":{"b":[10,{"c":3}]},"x/y":1,"m~n":2,"":5})");
  CHECK(resolve_pointer(doc, "") == &doc);
  CHECK(resolve_pointer(doc, "/a/b/0")->as_int64() == 10);
  CHECK(resolve_pointer(doc, "/a/b/1/c")->as_int64() == 3);
  CHECK(resolve_pointer(doc, "/x~1y")->as_int64() == 1);
  CHECK(resolve_pointer(doc, "/m~0n")->as_int64() == 2);
  CHECK(resolve_pointer(doc, "/")->as_int64() == 5);
  CHECK(resolve_pointer(doc, "/a/b/01") == nullptr);
  CHECK(resolve_pointer(doc, "/a/b/2") == nullptr);
  CHECK(resolve_pointer(doc, "/nope") == nullptr);
  CHECK(pointer_error("/ok~0~1").empty());
  CHECK_FALSE(pointer_error("role").empty());
  CHECK_FALSE(pointer_error("/bad~2").empty());
  CHECK_FALSE(pointer_error("/bad~").empty());
}

TEST_CASE("sort keys order like the values and delimit themselves") {
  std::vector<std::string> texts = {
    "null", "false", "true", "-1e300", "-2.5", "-1", "0", "-0", "1e-9", "1",
    "1.5", "2", "18446744073709551615", "1e300", "\"\"", "\"A\"", "\"a\"",
    "\"a\\u0000\"", "\"a\\u0000b\"", "\"a\\u0001\"", "\"ab\"", "\"b\"",
    "\"\\u00e9\""};
  std::vector<boost::json::value> values;
  for (const auto& t : texts)
    values.push_back(js(t));
  for (std::size_t i = 0; i < values.size(); ++i) {
    auto ki = *sort_key(values[i]);
    CHECK(sort_key_length(ki + "users/x") == ki.size());
    for (std::size_t j = 0; j < values.size(); ++j) {
      auto kj = *sort_key(values[j]);
      int by_value = compare_scalars(values[i], values[j]);
      int by_key = ki < kj ? -1 : (kj < ki ? 1 : 0);
      CHECK_MESSAGE(by_value == by_key, texts[i] << " vs " << texts[j]);
    }
  }
  // Integers beyond 2^53 share a double key but still compare exactly.
  auto big = js("9007199254740993"), below = js("9007199254740992");
  CHECK(*sort_key(big) == *sort_key(below));
  CHECK(compare_scalars(big, below) > 0);
  CHECK(compare_scalars(js("-9223372036854775808"), js("-9.3e18")) > 0);
  CHECK_FALSE(sort_key_is_whole(big));
  CHECK(sort_key_is_whole(below));
  CHECK_FALSE(sort_key(js("[1]")));
  CHECK_FALSE(sort_key(js("{}")));
  // A long string is cut, so the key plus a 400-byte path fits LMDB.
  auto long_key = *sort_key(boost::json::value(std::string(1000, 'x')));
  CHECK(long_key.size() <= 1 + max_string_key_bytes + 2);
}

TEST_CASE("queries are checked before they run") {
  std::string why;
  auto bad = [&](field_query q) {
    return !compiled_query::compile(q, why) && !why.empty();
  };
  CHECK(bad({"u/", "/n", std::nullopt, {}, {}}));                    // no condition
  CHECK(bad({"u/", "n", "1", {}, {}}));                              // pointer
  CHECK(bad({"u/", "/n", "1", query_bound{"2"}, {}}));               // both
  CHECK(bad({"u/", "/n", std::nullopt, query_bound{"1"}, query_bound{"\"z\""}}));
  CHECK(bad({"u/", "/n", std::nullopt, query_bound{"true"}, {}}));   // bool range
  CHECK(bad({"u/", "/n", "[1]", {}, {}}));                           // not scalar
  CHECK(bad({"u/", "/n", "0e400", {}, {}})); // Boost.JSON reads it as NaN
  CHECK(bad({"u/", "/n", std::nullopt, query_bound{"1"}, query_bound{"1e400"}}));
  CHECK(bad({"u/", "/n", "1", {}, {}, 0}));                          // limit
  CHECK(bad({"u/", "/n", "1", {}, {}, max_query_limit + 1}));
  std::string after;
  CHECK(to_hex(std::string("\x00\xab\x7f", 3)) == "00ab7f");
  CHECK(from_hex("00ab7f", after));
  CHECK(after == std::string("\x00\xab\x7f", 3));
  CHECK_FALSE(from_hex("00AB7F", after)); // one text per value
  CHECK_FALSE(from_hex("abc", after));
  CHECK_FALSE(decode_cursor("zz", after));
  CHECK_FALSE(decode_cursor("30", after)); // a number key needs 9 bytes
}

TEST_CASE("an index answers like a scan, after random writes and deletes") {
  test_dir dir;
  database db(dir.sub("db"));
  std::mt19937 rng(7);
  std::map<std::string, std::string> model; // path -> live value
  hlc_time t = 1000;
  auto random_value = [&]() -> std::string {
    switch (rng() % 6) {
      case 0: return "{\"n\":" + std::to_string(int(rng() % 50) - 10) + "}";
      case 1: return "{\"n\":" + std::to_string(rng() % 20) + ".5}";
      case 2: return "{\"n\":\"s" + std::to_string(rng() % 30) + "\"}";
      case 3: return "{\"n\":[1,2]}";
      case 4: return "{\"other\":1}";
      default: return "{\"n\":" + std::string(rng() % 2 ? "true" : "null") + "}";
    }
  };
  auto write_some = [&](int n) {
    std::vector<update> batch;
    for (int i = 0; i < n; ++i) {
      std::string path = (rng() % 4 ? "u/" : "v/") + std::to_string(rng() % 300);
      bool del = rng() % 5 == 0;
      auto value = del ? std::string("null") : random_value();
      batch.push_back({path, value, ++t, "aa"});
      if (del)
        model.erase(path);
      else
        model[path] = value;
    }
    db.apply(batch);
  };
  write_some(400);
  auto [def, built] = db.create_index("u/", "/n");
  CHECK(def.id == 1);
  CHECK(built > 0);
  CHECK(db.create_index("u/", "/n").second == 0); // already there
  std::vector<field_query> queries = {
    {"u/", "/n", "3", {}, {}, 7},
    {"u/", "/n", "\"s4\"", {}, {}, 5},
    {"u/", "/n", "true", {}, {}, 50},
    {"u/", "/n", "null", {}, {}, 50},
    {"u/", "/n", std::nullopt, query_bound{"0", false}, query_bound{"10", true}, 9},
    {"u/", "/n", std::nullopt, query_bound{"-5"}, {}, 13},
    {"u/", "/n", std::nullopt, {}, query_bound{"\"s2\"", false}, 4},
    {"u/1", "/n", std::nullopt, query_bound{"-100"}, {}, 3},
  };
  for (int round = 0; round < 5; ++round) {
    for (const auto& q : queries) {
      bool used_index = false;
      auto indexed = all_pages(db, q, true, used_index);
      CHECK(used_index);
      auto scanned = all_pages(db, q, false, used_index);
      CHECK_FALSE(used_index);
      CHECK(indexed == scanned);
      // And both agree with the model.
      auto cq = compile(q);
      std::size_t expected = 0;
      for (const auto& [path, value] : model) {
        auto doc = js(value);
        auto* f = resolve_pointer(doc, q.field);
        if (path.compare(0, q.prefix.size(), q.prefix) == 0 && f
            && cq.matches(*f))
          ++expected;
      }
      CHECK(indexed.size() == expected);
    }
    write_some(300); // overwrites, deletes, fresh paths, after the build
  }
  CHECK(db.drop_index("u/", "/n"));
  CHECK_FALSE(db.drop_index("u/", "/n"));
  CHECK(db.indexes().empty());
  bool used_index = true;
  all_pages(db, queries[0], true, used_index);
  CHECK_FALSE(used_index);
}

TEST_CASE("indexes survive a reopen and keep being maintained") {
  test_dir dir;
  {
    database db(dir.sub("db"));
    db.create_index("p/", "/age");
    db.apply({{"p/a", "{\"age\":30}", 10, "aa"}});
  }
  database db(dir.sub("db"));
  REQUIRE(db.indexes().size() == 1);
  db.apply({{"p/b", "{\"age\":30}", 11, "aa"}, {"p/a", "{\"age\":31}", 12, "aa"}});
  field_query q{"p/", "/age", "30"};
  auto r = db.query(q, compile(q));
  REQUIRE(r.index);
  REQUIRE(r.results.size() == 1);
  CHECK(r.results[0].path == "p/b");
  CHECK(r.examined == 1);
  // An exclusive upper bound stops before the entries equal to it.
  field_query below{"p/", "/age", std::nullopt, query_bound{"0"},
                    query_bound{"31", false}};
  r = db.query(below, compile(below));
  CHECK(r.results.size() == 1);
  CHECK(r.examined == 1);
  // A cut string key cannot: the entries sharing it are checked.
  db.apply({{"p/s", "{\"age\":\"" + std::string(200, 'x') + "\"}", 13, "aa"}});
  field_query strings{"p/", "/age", std::nullopt, query_bound{"\"a\""},
                      query_bound{"\"" + std::string(200, 'x') + "y\"", false}};
  r = db.query(strings, compile(strings));
  CHECK(r.results.size() == 1);
}

TEST_CASE("export lines read back as the same update") {
  update u{"a/b", R"({"x":[1,"é"]})", (uint64_t{1700000000000} << 16) | 7,
           "0a1b"};
  std::string line;
  append_export_line(line, u);
  CHECK(line.back() == '\n');
  line.pop_back();
  update back;
  std::string why;
  REQUIRE(parse_import_line(line, back, why, 1700000000000));
  CHECK(back == u);
  // Only a timestamp: stamped at that millisecond.
  REQUIRE(parse_import_line(R"({"path":"p","value":1,"timestamp":5,"origin":"ab"})",
                            back, why, 1700000000000));
  CHECK(back.time == hlc_from_ms(5));
  // The stamp as today's exports write it (a string, which JavaScript keeps
  // exact), and as earlier ones did (an integer).
  CHECK(line.find(R"("hlc":"111411200000000007")") != std::string::npos);
  REQUIRE(parse_import_line(R"({"path":"p","value":1,"timestamp":1700000000000,)"
                            R"("origin":"ab","hlc":111411200000000007})",
                            back, why, 1700000000000));
  CHECK(back.time == u.time);
  auto refused = [&](std::string_view l) {
    return !parse_import_line(l, back, why, 1700000000000) && !why.empty();
  };
  CHECK(refused("nope"));
  CHECK(refused("[]"));
  CHECK(refused(R"({"value":1,"timestamp":5,"origin":"ab"})"));
  CHECK(refused(R"({"path":"p","timestamp":5,"origin":"ab"})"));
  CHECK(refused(R"({"path":"p","value":1,"origin":"ab"})"));
  CHECK(refused(R"({"path":"p","value":1,"timestamp":5,"origin":"xyz"})"));
  CHECK(refused(R"({"path":"a//b","value":1,"timestamp":5,"origin":"ab"})"));
  CHECK(refused(R"({"path":"p","value":1,"timestamp":-5,"origin":"ab"})"));
  CHECK(refused(R"({"path":"p","value":1,"timestamp":5,"hlc":1,"origin":"ab"})"));
  CHECK(refused(R"({"path":"p","value":1,"hlc":"x5","origin":"ab"})"));
  CHECK(refused(R"({"path":"p","value":1,"timestamp":1800000000000,"origin":"ab"})"));
  CHECK(refused(R"({"path":"p","value":1,"timestamp":281474976710656,"origin":"ab"})"));
}

TEST_CASE("an export line of a value as deep as a write allows imports") {
  // A write takes values nested 32 deep (the parser's default); the line
  // wraps the value in one more level.
  auto nested = [](int depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  update u{"deep", nested(32), hlc_from_ms(1700000000000), "ab"};
  std::string line;
  append_export_line(line, u);
  update back;
  std::string why;
  CHECK_MESSAGE(parse_import_line(line, back, why, 1700000000000), why);
  CHECK(back == u);
  // One level more could not be written, nor sent to a peer: refused.
  u.value = nested(33);
  line.clear();
  append_export_line(line, u);
  CHECK_FALSE(parse_import_line(line, back, why, 1700000000000));
}

TEST_CASE("lines are cut across pieces, with a bound on their length") {
  std::vector<std::string> got;
  auto take = [&](std::string_view l) {
    got.emplace_back(l);
    return true;
  };
  line_splitter s(8);
  CHECK(s.feed("ab", take));
  CHECK(s.feed("c\r\n\n  \nde", take));
  CHECK(s.feed("f\ng", take));
  CHECK(s.finish(take));
  CHECK(got == std::vector<std::string>{"abc", "def", "g"});
  line_splitter tight(4);
  CHECK(tight.feed("abcd\n", take));
  CHECK(tight.feed("abc", take));
  CHECK_FALSE(tight.feed("de", take));
  CHECK(tight.too_long());
  // A callback that says stop, stops.
  line_splitter stop(100);
  int calls = 0;
  CHECK_FALSE(stop.feed("a\nb\nc\n", [&](std::string_view) { return ++calls < 2; }));
  CHECK(calls == 2);
}
