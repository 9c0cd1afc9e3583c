// The overlay's view state machine, event by event, on a fake clock.
#include "protocol/peer_url.hpp"
#include "protocol/peer_view.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>

using namespace p2p;
using namespace std::chrono_literals;

namespace {

const peer_view::time_point t0 = peer_view::time_point{} + 1h;

std::string url_of(int port) {
  return "http://10.0.0.1:" + std::to_string(port);
}

std::vector<peer_address> addresses(int first, int count) {
  std::vector<peer_address> v;
  for (int i = first; i < first + count; ++i)
    v.push_back({"id" + std::to_string(i), url_of(i)});
  return v;
}

overlay_limits roomy() {
  overlay_limits l;
  l.min_links = 100;
  l.max_dialing = 100;
  return l;
}

std::set<std::string> passive_urls(const peer_view& v,
                                   peer_view::time_point now = t0) {
  std::set<std::string> s;
  for (const auto& e : v.passive(now))
    s.insert(e.url);
  return s;
}

using entries = std::vector<peer_view::passive_entry>;

const peer_view::passive_entry* entry(const entries& es,
                                      const std::string& url) {
  for (const auto& e : es)
    if (e.url == url)
      return &e;
  return nullptr;
}

} // namespace

TEST_CASE("peer_view: learning 10,000 addresses keeps at most passive_max") {
  peer_view v({}, "me", "", 1);
  CHECK(v.learn(addresses(1, 10000), t0) > 0);
  CHECK(v.passive(t0).size() == overlay_limits{}.passive_max);
  overlay_limits none;
  none.passive_max = 0;
  peer_view empty(none, "me", "", 1);
  CHECK(empty.learn(addresses(1, 100), t0) == 0);
  CHECK(empty.passive(t0).empty());
}

TEST_CASE("peer_view: this node's own URL or id is never learned") {
  peer_view v({}, "me", "http://127.0.0.1:3000", 1);
  std::vector<peer_address> mine;
  for (int i = 0; i < 1000; ++i) {
    mine.push_back({"", "http://127.0.0.1:3000"});
    mine.push_back({"x", "ws://127.0.0.1:3000/"}); // the same, canonically
    mine.push_back({"me", url_of(i + 1)});        // our id, another URL
  }
  CHECK(v.learn(mine, t0) == 0);
  CHECK(v.passive(t0).empty());
}

TEST_CASE("peer_view: junk URLs and oversized ids are ignored") {
  peer_view v({}, "me", "", 1);
  std::vector<peer_address> junk = {
    {"a", ""}, {"a", "x"}, {"a", "ftp://h:1"}, {"a", "http://h"},
    {"a", "http://h:1/path"}, {"a", "http://u@h:1"}, {"a", "http://h:99999"},
    {"a", "http://::1:3000"}, {"a", "http://" + std::string(5000, 'a') + ":1"},
    {std::string(1000, 'i'), "http://h:1"},
  };
  CHECK(v.learn(junk, t0) == 0);
  CHECK(v.passive(t0).empty());
}

TEST_CASE("peer_view: URLs are kept canonical and learned once") {
  peer_view v({}, "me", "", 1);
  auto canonical = parse_peer_url("ws://h:1/").url->text();
  CHECK(v.learn({{"", "ws://h:1/"}, {"", "http://h:1"}, {"b", canonical}}, t0)
        == 1);
  auto es = v.passive(t0);
  REQUIRE(es.size() == 1);
  CHECK(es[0].url == canonical);
  CHECK(es[0].id == "b"); // an unknown id takes the hint a repeat gives
}

TEST_CASE("peer_view: never dials its own URL nor one found to be self") {
  peer_view v(roomy(), "me", "http://127.0.0.1:3000", 1);
  v.learn({{"", "http://127.0.0.2:3000"}, {"", url_of(1)}}, t0);
  auto first = v.to_dial(t0);
  CHECK(first.size() == 2);
  v.dial_ended("http://127.0.0.2:3000", false, "", true, t0);
  v.dial_ended(url_of(1), false, "me", false, t0); // reached our own id
  CHECK(v.passive(t0).empty());
  CHECK(v.learn({{"", "http://127.0.0.2:3000"}, {"", url_of(1)}}, t0) == 0);
  CHECK(v.to_dial(t0 + 1h).empty());
}

TEST_CASE("peer_view: never dials a node in the active view, by URL or id") {
  peer_view v(roomy(), "me", "", 1);
  v.learn(addresses(1, 3), t0);
  v.link_up(10, "idX", url_of(1), false, true); // by URL
  v.link_up(11, "id2", "", true, true);         // by id, no URL
  auto dial = v.to_dial(t0);
  CHECK(dial == std::vector<std::string>{url_of(3)});
  CHECK(v.learn({{"", url_of(1)}, {"id2", url_of(50)}}, t0) == 0);
}

TEST_CASE("peer_view: no dial before the backoff has passed") {
  overlay_limits l = roomy();
  l.backoff_first = 1000ms;
  peer_view v(l, "me", "", 1);
  v.learn(addresses(1, 1), t0);
  REQUIRE(v.to_dial(t0).size() == 1);
  v.dial_ended(url_of(1), false, "", false, t0);
  CHECK(v.to_dial(t0).empty());
  CHECK(v.to_dial(t0 + 749ms).empty()); // the shortest jittered backoff
  CHECK(v.to_dial(t0 + 1250ms) == std::vector<std::string>{url_of(1)});
}

TEST_CASE("peer_view: at most max_dialing dials in flight") {
  overlay_limits l = roomy();
  l.max_dialing = 2;
  peer_view v(l, "me", "", 1);
  v.learn(addresses(1, 20), t0);
  auto first = v.to_dial(t0);
  CHECK(first.size() == 2);
  CHECK(v.dialing() == 2);
  CHECK(v.to_dial(t0).empty());
  v.dial_ended(first[0], false, "", false, t0);
  auto next = v.to_dial(t0);
  REQUIRE(next.size() == 1);
  CHECK(next[0] != first[0]); // still backing off
  CHECK(next[0] != first[1]); // still dialling
  CHECK(v.dialing() == 2);
}

TEST_CASE("peer_view: no dial once active links and dials reach min_links") {
  overlay_limits l;
  l.min_links = 3;
  l.max_dialing = 5;
  peer_view v(l, "me", "", 1);
  v.learn(addresses(1, 10), t0);
  v.link_up(1, "s1", "", false, false); // seeds count too
  v.link_up(2, "s2", "", true, true);
  CHECK(v.to_dial(t0).size() == 1);
  CHECK(v.to_dial(t0).empty());
  v.link_up(3, "s3", "", true, true);
  v.link_down(1, t0);
  CHECK(v.to_dial(t0).empty()); // 2 active + 1 dialling
  v.link_down(2, t0);
  CHECK(v.to_dial(t0).size() == 1);
}

TEST_CASE("peer_view: failure backoff doubles up to the cap") {
  overlay_limits l = roomy();
  l.backoff_first = 1000ms;
  l.backoff_max = 8000ms;
  l.max_failures = 100;
  peer_view v(l, "me", "", 1);
  v.learn(addresses(1, 1), t0);
  auto now = t0;
  for (int64_t expected : {1000, 2000, 4000, 8000, 8000, 8000}) {
    CAPTURE(expected);
    REQUIRE(v.to_dial(now).size() == 1);
    v.dial_ended(url_of(1), false, "", false, now);
    auto wait = v.passive(now).at(0).next_dial_in_ms;
    CHECK(wait >= expected * 3 / 4);
    CHECK(wait <= std::min<int64_t>(expected * 5 / 4, 8000));
    now += std::chrono::milliseconds(wait);
  }
}

TEST_CASE("peer_view: failing max_failures times in a row drops an entry") {
  overlay_limits l = roomy();
  l.max_failures = 3;
  peer_view v(l, "me", "", 1);
  v.learn(addresses(1, 1), t0);
  auto now = t0;
  auto fail = [&] {
    REQUIRE(v.to_dial(now).size() == 1);
    v.dial_ended(url_of(1), false, "", false, now);
    now += 1h;
  };
  fail();
  fail();
  REQUIRE(v.to_dial(now).size() == 1);
  v.dial_ended(url_of(1), true, "real-id", false, now); // a success resets
  auto es = v.passive(now);
  REQUIRE(es.size() == 1);
  CHECK(es[0].failures == 0);
  CHECK(es[0].id == "real-id");
  CHECK(es[0].next_dial_in_ms == 0);
  fail();
  fail();
  CHECK(v.passive(now).at(0).failures == 2);
  fail();
  CHECK(v.passive(now).empty());
}

TEST_CASE("peer_view: a lost link's address returns to the passive view") {
  overlay_limits l = roomy();
  peer_view v(l, "me", "", 1);
  v.link_up(1, "a", url_of(1), true, true);
  v.link_up(2, "a", url_of(1), false, true); // the same node, both ways
  v.link_down(1, t0);
  CHECK(v.passive(t0).empty()); // link 2 still reaches it
  v.link_down(2, t0);
  auto es = v.passive(t0);
  REQUIRE(es.size() == 1);
  CHECK(es[0].id == "a");
  CHECK(es[0].next_dial_in_ms >= 750); // not redialled at once
  CHECK(v.to_dial(t0).empty());
  CHECK(v.to_dial(t0 + 1250ms).size() == 1);
}

TEST_CASE("peer_view: a full passive view replaces failed entries first, "
          "never one being dialled") {
  overlay_limits l = roomy();
  l.passive_max = 4;
  l.max_dialing = 2;
  peer_view v(l, "me", "", 1);
  CHECK(v.learn(addresses(1, 4), t0) == 4);
  auto dialled = v.to_dial(t0);
  REQUIRE(dialled.size() == 2);
  v.dial_ended(dialled[0], false, "", false, t0);
  CHECK(v.learn(addresses(100, 1), t0) == 1);
  auto urls = passive_urls(v);
  CHECK(urls.count(dialled[0]) == 0); // the failed one went
  CHECK(urls.count(url_of(100)) == 1);
  v.learn(addresses(200, 1000), t0);
  urls = passive_urls(v);
  CHECK(urls.size() == 4);
  CHECK(urls.count(dialled[1]) == 1); // still dialling: still known
}

TEST_CASE("peer_view: to_shed picks the newest inbound peer-speaking link") {
  overlay_limits l;
  l.max_links = 2;
  peer_view v(l, "me", "", 1);
  v.link_up(1, "a", "", false, true);
  v.link_up(2, "b", "", false, true);
  CHECK_FALSE(v.to_shed()); // not over max_links
  v.link_up(3, "c", "", false, true);
  CHECK_FALSE(v.to_shed()); // over, but all outbound
  v.link_up(4, "d", "", true, true);
  v.link_up(5, "e", "", true, false); // newest inbound, but no peers
  CHECK(v.to_shed() == uint64_t{4});
  v.link_up(6, "f", "", true, true);
  CHECK(v.to_shed() == uint64_t{6});
  v.link_down(6, t0);
  CHECK(v.to_shed() == uint64_t{4});
  v.link_down(4, t0);
  v.link_down(5, t0);
  v.link_down(3, t0);
  CHECK_FALSE(v.to_shed());
}

TEST_CASE("peer_view: a sample leads with own URL, excludes the recipient, "
          "has no duplicates, and is bounded") {
  overlay_limits l;
  l.sample_max = 8;
  peer_view v(l, "me", "http://127.0.0.1:3000", 1);
  v.link_up(1, "r", url_of(1), true, true);  // the recipient
  v.link_up(2, "n", url_of(2), false, true);
  v.learn(addresses(3, 20), t0);
  v.learn({{"r", url_of(500)}}, t0); // the recipient can't be learned...
  v.link_down(1, t0);
  v.link_up(1, "r", url_of(1), true, true); // ...but its old URL is known
  for (int round = 0; round < 20; ++round) {
    auto s = v.sample("r");
    CHECK(s.size() == 8);
    CHECK(s.at(0).url == "http://127.0.0.1:3000");
    CHECK(s.at(1).url == url_of(2));
    std::set<std::string> urls;
    for (const auto& a : s) {
      CHECK(a.id != "r");
      CHECK(a.url != url_of(1));
      urls.insert(a.url);
    }
    CHECK(urls.size() == s.size());
  }
  peer_view quiet(l, "me", "", 1);
  quiet.learn(addresses(1, 2), t0);
  auto s = quiet.sample("");
  CHECK(s.size() == 2);
}

TEST_CASE("peer_view: a sample offers entries that have not failed first") {
  overlay_limits l = roomy();
  l.sample_max = 3;
  peer_view v(l, "me", "", 1);
  v.learn(addresses(1, 6), t0);
  auto dialled = v.to_dial(t0);
  for (const auto& u : dialled)
    if (u != url_of(1) && u != url_of(2) && u != url_of(3))
      v.dial_ended(u, false, "", false, t0);
    else
      v.dial_ended(u, true, "", false, t0);
  auto s = v.sample("");
  std::set<std::string> urls;
  for (const auto& a : s)
    urls.insert(a.url);
  CHECK(urls == std::set<std::string>{url_of(1), url_of(2), url_of(3)});
}

TEST_CASE("peer_view: shuffle_target is a link that speaks peers") {
  peer_view v({}, "me", "", 1);
  CHECK_FALSE(v.shuffle_target());
  v.link_up(1, "a", "", false, false);
  CHECK_FALSE(v.shuffle_target());
  v.link_up(2, "b", "", true, true);
  v.link_up(3, "c", "", false, true);
  std::set<uint64_t> seen;
  for (int i = 0; i < 50; ++i)
    seen.insert(*v.shuffle_target());
  CHECK(seen == std::set<uint64_t>{2, 3});
}

TEST_CASE("peer_view: to_text and load_text round-trip") {
  peer_view v({}, "me", "http://127.0.0.1:3000", 1);
  v.learn(addresses(1, 10), t0);
  v.learn({{"", "http://[::1]:4000"}, {"q\"\\", "http://h:5"}}, t0);
  v.link_up(7, "act", url_of(99), true, true);
  auto text = v.to_text();
  peer_view back({}, "other", "", 2);
  back.load_text(text, t0);
  std::set<std::pair<std::string, std::string>> want, got;
  for (const auto& e : v.passive(t0))
    want.insert({e.url, e.id});
  want.insert({url_of(99), "act"}); // active links are kept too
  for (const auto& e : back.passive(t0))
    got.insert({e.url, e.id});
  CHECK(got == want);
  CHECK(got.size() == 13);
  CHECK(back.to_text().size() == text.size());
}

TEST_CASE("peer_view: load_text of garbage, oversized or hostile text is "
          "harmless") {
  overlay_limits l;
  l.passive_max = 8;
  peer_view v(l, "me", "http://127.0.0.1:3000", 1);
  std::string deep(100000, '[');
  std::string huge = "[" + std::string(peer_view::max_text_bytes, ' ')
                     + "{\"url\":\"http://h:1\"}]";
  std::string many = "[";
  for (int i = 1; i <= 20000; ++i)
    many += "{\"url\":\"" + url_of(i) + "\",\"id\":\"x\"},";
  many += "1]";
  for (const std::string& text :
       {std::string(), std::string("null"), std::string("{"),
        std::string("[1,\"a\",null,{}]"),
        std::string("{\"url\":\"http://h:1\"}"),
        std::string("[{\"url\":5},{\"url\":\"http://h\"},{\"id\":\"a\"}]"),
        std::string("[{\"url\":\"http://127.0.0.1:3000\"},"
                    "{\"url\":\"http://h:2\",\"id\":\"me\"}]"),
        std::string("[{\"url\":\"http://h:1\"}] trailing"), deep, huge}) {
    v.load_text(text, t0);
    CHECK(v.passive(t0).empty());
  }
  v.load_text(many, t0);
  CHECK(v.passive(t0).size() == 8);
  v.load_text("[{\"url\":\"http://h:3\",\"id\":7}]", t0); // bad id: unknown
  auto e = entry(v.passive(t0), "http://h:3");
  REQUIRE(e);
  CHECK(e->id.empty());
}

TEST_CASE("peer_view: the same seed and events give the same choices") {
  auto run = [](uint64_t seed) {
    overlay_limits l;
    l.min_links = 3;
    l.max_dialing = 3;
    peer_view v(l, "me", "", seed);
    v.learn(addresses(1, 200), t0);
    std::vector<std::string> trace;
    auto now = t0;
    for (int round = 0; round < 10; ++round) {
      for (const auto& u : v.to_dial(now)) {
        trace.push_back(u);
        v.dial_ended(u, false, "", false, now);
      }
      for (const auto& a : v.sample(""))
        trace.push_back(a.url);
      trace.push_back(std::to_string(v.passive(now).at(0).next_dial_in_ms));
      now += 10s;
    }
    return trace;
  };
  CHECK(run(7) == run(7));
  CHECK(run(7) != run(8));
}

TEST_CASE("peer_view: an address taught again after it was dropped keeps its "
          "failures and backoff") {
  overlay_limits l = roomy();
  l.max_failures = 2;
  l.backoff_first = 1000ms;
  l.backoff_max = 60000ms;
  peer_view v(l, "me", "", 3);
  auto now = t0;
  v.learn(addresses(1, 1), now);
  for (int i = 0; i < 2; ++i) {
    REQUIRE(v.to_dial(now).size() == 1);
    v.dial_ended(url_of(1), false, "", false, now);
    now += 1h;
  }
  REQUIRE(v.passive(now).empty()); // dropped
  v.learn(addresses(1, 1), now);   // a liar repeats it at once
  auto es = v.passive(now);
  REQUIRE(es.size() == 1);
  CHECK(es[0].failures == 2);
  REQUIRE(v.to_dial(now).size() == 1); // its backoff (from 1 h ago) passed
  v.dial_ended(url_of(1), false, "", false, now);
  v.learn(addresses(1, 1), now); // and again
  es = v.passive(now);
  REQUIRE(es.size() == 1);
  CHECK(es[0].failures == 3);
  CHECK(es[0].next_dial_in_ms >= 3000); // 4 s +-25%: not reset to now
  CHECK(v.to_dial(now).empty());
}

TEST_CASE("peer_view: seeds are known and shared but never dialled here") {
  peer_view v(roomy(), "me", "", 4);
  v.set_seeds({"HTTP://10.0.0.1:1/"});
  v.learn(addresses(1, 2), t0);
  auto dialled = v.to_dial(t0);
  CHECK(dialled == std::vector<std::string>{url_of(2)});
  auto s = v.sample("other");
  CHECK(std::any_of(s.begin(), s.end(),
                    [](const peer_address& a) { return a.url == url_of(1); }));
}
