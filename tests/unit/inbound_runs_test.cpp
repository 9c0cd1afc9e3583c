// The receiving end of a link's runs: acks in order, announced updates
// held back until held, grafted in time, a liar found out.
#include "protocol/graft_claims.hpp"
#include "protocol/inbound_runs.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace p2p;
using namespace std::chrono_literals;

namespace {

using time_point = inbound_runs::time_point;

wire::item_id id(const std::string& path, hlc_time t = 100,
                 const std::string& origin = "aa") {
  return {path, t, origin};
}

} // namespace

TEST_CASE("inbound runs: changes runs are acknowledged in arrival order") {
  inbound_runs in;
  uint64_t a = 0, b = 0;
  REQUIRE(in.expect_applied(10, a));
  REQUIRE(in.expect_applied(20, b));
  in.applied(b); // the later one first: its ack still waits
  CHECK(in.ackable().empty());
  in.applied(a);
  CHECK(in.ackable() == std::vector<uint64_t>{10, 20});
  CHECK(in.runs_waiting() == 0);
}

TEST_CASE("inbound runs: an ihave run with nothing missing is ackable at "
          "once, behind the runs before it") {
  inbound_runs in;
  auto now = time_point{} + 1s;
  uint64_t a = 0;
  REQUIRE(in.expect_applied(5, a));
  REQUIRE(in.announced(9, {}, now));
  CHECK(in.ackable().empty());
  in.applied(a);
  CHECK(in.ackable() == std::vector<uint64_t>{5, 9});
}

TEST_CASE("inbound runs: a missing announcement holds its ack until held") {
  inbound_runs in;
  auto now = time_point{} + 1s;
  REQUIRE(in.announced(7, {id("a"), id("b")}, now));
  uint64_t t = 0;
  REQUIRE(in.expect_applied(8, t));
  in.applied(t);
  CHECK(in.ackable().empty());
  std::set<std::string> held{"a"};
  auto is_held = [&](const wire::item_id& i) { return held.count(i.path) > 0; };
  in.recheck(is_held);
  CHECK(in.missing() == 1);
  CHECK(in.ackable().empty());
  held.insert("b");
  in.recheck(is_held);
  CHECK(in.ackable() == std::vector<uint64_t>{7, 8});
}

TEST_CASE("inbound runs: missing ids are grafted once, after graft_after") {
  inbound_limits limits;
  limits.graft_after = 150ms;
  inbound_runs in(limits);
  auto t0 = time_point{} + 1s;
  REQUIRE(in.announced(3, {id("x"), id("y")}, t0));
  CHECK(in.next_deadline() == t0 + 150ms);
  CHECK(in.due(t0 + 149ms).empty());
  auto due = in.due(t0 + 150ms);
  REQUIRE(due.size() == 2);
  CHECK(due[0].path == "x");
  CHECK(in.due(t0 + 200ms).empty()); // grafted already
  CHECK(in.next_deadline() == t0 + 150ms + limits.answer_within);
}

TEST_CASE("inbound runs: a graft not answered in time makes the link broken") {
  inbound_limits limits;
  limits.graft_after = 100ms;
  limits.answer_within = 1s;
  inbound_runs in(limits);
  auto t0 = time_point{} + 1s;
  REQUIRE(in.announced(3, {id("x")}, t0));
  CHECK_FALSE(in.overdue(t0 + 10s)); // not grafted yet: not the peer's fault
  REQUIRE(in.due(t0 + 100ms).size() == 1);
  CHECK_FALSE(in.overdue(t0 + 1099ms));
  CHECK(in.overdue(t0 + 1100ms));
  in.recheck([](const wire::item_id&) { return true; });
  CHECK_FALSE(in.overdue(t0 + 5s));
  CHECK(in.ackable() == std::vector<uint64_t>{3});
}

TEST_CASE("inbound runs: a peer ignoring flow control is refused, bounded") {
  inbound_limits limits;
  limits.max_runs = 4;
  inbound_runs in(limits);
  auto now = time_point{} + 1s;
  for (int i = 0; i < 4; ++i)
    REQUIRE(in.announced(i + 1, {id("p" + std::to_string(i))}, now));
  uint64_t t = 0;
  CHECK_FALSE(in.announced(9, {id("q")}, now));
  CHECK_FALSE(in.expect_applied(9, t));
  CHECK(in.runs_waiting() == 4);
  in.clear();
  CHECK(in.runs_waiting() == 0);
  CHECK_FALSE(in.next_deadline().has_value());
}

TEST_CASE("inbound runs: held means the announced version or a newer one") {
  auto announced = id("k", 500, "bb");
  CHECK(holds_at_least(500, "bb", announced));
  CHECK(holds_at_least(501, "aa", announced));
  CHECK(holds_at_least(500, "cc", announced)); // same stamp, larger origin
  CHECK_FALSE(holds_at_least(500, "aa", announced));
  CHECK_FALSE(holds_at_least(499, "ff", announced));
}

TEST_CASE("inbound runs: an id another link grafts waits its turn") {
  inbound_limits limits;
  limits.graft_after = 100ms;
  inbound_runs first(limits), second(limits);
  graft_claims claims(100ms);
  auto t0 = time_point{} + 1s;
  REQUIRE(first.announced(1, {id("x")}, t0));
  REQUIRE(second.announced(1, {id("x")}, t0));
  auto claim = [&](time_point now) {
    return [&claims, now](const wire::item_id& i) { return claims.claim(i, now); };
  };
  CHECK(first.due(t0 + 100ms, claim(t0 + 100ms)).size() == 1);
  CHECK(second.due(t0 + 100ms, claim(t0 + 100ms)).empty()); // claimed
  CHECK(second.due(t0 + 150ms, claim(t0 + 150ms)).empty()); // not yet again
  // The first link's graft did not bring it in time: the next one tries.
  CHECK(second.due(t0 + 200ms, claim(t0 + 200ms)).size() == 1);
}

TEST_CASE("graft claims: bounded however many ids are announced") {
  graft_claims claims(10s, 1000);
  auto now = time_point{} + 1s;
  for (int i = 0; i < 100000; ++i)
    claims.claim(id("p" + std::to_string(i)), now);
  CHECK(claims.size() <= 1000);
}
