// The receiving end of a link's runs: acks in order, announced updates
// held back until held, grafted in time, a liar found out, and a
// checkpoint that never passes a missing update.
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

std::vector<uint64_t> uptos(std::vector<uint64_t> acked) {
  return acked;
}

} // namespace

TEST_CASE("inbound runs: changes runs are acknowledged in arrival order") {
  inbound_runs in;
  auto a = in.expect_applied(10);
  auto b = in.expect_applied(20);
  REQUIRE((a.ok && b.ok));
  CHECK_FALSE(a.checkpoint_later);
  in.applied(b.token); // the later one first: its ack still waits
  CHECK(in.ackable().empty());
  in.applied(a.token);
  CHECK(uptos(in.ackable()) == std::vector<uint64_t>{10, 20});
  CHECK_FALSE(in.resolved_checkpoint().has_value()); // written with them
  CHECK(in.runs_waiting() == 0);
}

TEST_CASE("inbound runs: a run of ids all held is ackable behind the runs "
          "before it") {
  inbound_runs in;
  auto now = time_point{} + 1s;
  auto a = in.expect_applied(5);
  REQUIRE(in.announced(9, {}, now).ok);
  CHECK(in.ackable().empty()); // not past the run still being applied
  in.applied(a.token);
  CHECK(uptos(in.ackable()) == std::vector<uint64_t>{5, 9});
}

TEST_CASE("inbound runs: a missing announcement holds back the checkpoint "
          "of its run and every later run, not their acks") {
  inbound_runs in;
  auto now = time_point{} + 1s;
  auto first = in.expect_applied(7, {id("a"), id("b")}, now);
  REQUIRE(first.ok);
  CHECK(first.checkpoint_later); // its own ids are missing
  auto second = in.expect_applied(8, {}, now);
  CHECK(second.checkpoint_later); // an earlier run's ids are missing
  in.applied(first.token);
  in.applied(second.token);
  CHECK(uptos(in.ackable()) == std::vector<uint64_t>{7, 8});
  CHECK(in.ackable().empty()); // each once
  CHECK_FALSE(in.resolved_checkpoint().has_value());
  std::set<std::string> held{"a"};
  auto is_held = [&](const wire::item_id& i) { return held.count(i.path) > 0; };
  in.recheck(is_held);
  CHECK(in.missing() == 1);
  CHECK_FALSE(in.resolved_checkpoint().has_value());
  held.insert("b");
  in.recheck(is_held);
  CHECK(in.resolved_checkpoint() == std::optional<uint64_t>(8));
  CHECK(in.runs_waiting() == 0);
  // Nothing missing any more: the next run keeps its checkpoint with it.
  auto third = in.expect_applied(9, {}, now);
  CHECK_FALSE(third.checkpoint_later);
  in.applied(third.token);
  CHECK(uptos(in.ackable()) == std::vector<uint64_t>{9});
  CHECK_FALSE(in.resolved_checkpoint().has_value()); // written with it
}

TEST_CASE("inbound runs: past max_unresolved runs, acks wait") {
  inbound_limits limits;
  limits.max_unresolved = 2;
  inbound_runs in(limits);
  auto now = time_point{} + 1s;
  for (int i = 1; i <= 3; ++i)
    in.applied(in.expect_applied(i, {id("p" + std::to_string(i))}, now).token);
  CHECK(uptos(in.ackable()) == std::vector<uint64_t>{1, 2});
  in.recheck([](const wire::item_id& i) { return i.path == "p1"; });
  CHECK(uptos(in.ackable()) == std::vector<uint64_t>{3});
}

TEST_CASE("inbound runs: missing ids are grafted once, after graft_after") {
  inbound_limits limits;
  limits.graft_after = 150ms;
  inbound_runs in(limits);
  auto t0 = time_point{} + 1s;
  REQUIRE(in.announced(3, {id("x"), id("y")}, t0).ok);
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
  REQUIRE(in.announced(3, {id("x")}, t0).ok);
  CHECK_FALSE(in.overdue(t0 + 10s)); // not grafted yet: not the peer's fault
  REQUIRE(in.due(t0 + 100ms).size() == 1);
  CHECK_FALSE(in.overdue(t0 + 1099ms));
  CHECK(in.overdue(t0 + 1100ms));
  in.recheck([](const wire::item_id&) { return true; });
  CHECK_FALSE(in.overdue(t0 + 5s));
  CHECK(uptos(in.ackable()) == std::vector<uint64_t>{3});
  CHECK(in.resolved_checkpoint() == std::optional<uint64_t>(3));
}

TEST_CASE("inbound runs: an answer this node refuses is acknowledged past") {
  inbound_runs in;
  auto t0 = time_point{} + 1s;
  REQUIRE(in.announced(4, {id("far"), id("near")}, t0).ok);
  in.give_up({"far"});
  CHECK(in.missing() == 1);
  in.recheck([](const wire::item_id& i) { return i.path == "near"; });
  CHECK(uptos(in.ackable()) == std::vector<uint64_t>{4});
  CHECK(in.resolved_checkpoint() == std::optional<uint64_t>(4));
}

TEST_CASE("inbound runs: a peer ignoring flow control is refused, bounded") {
  inbound_limits limits;
  limits.max_runs = 4;
  limits.max_missing = 10;
  inbound_runs in(limits);
  auto now = time_point{} + 1s;
  for (int i = 0; i < 4; ++i)
    REQUIRE(in.announced(i + 1, {id("p" + std::to_string(i))}, now).ok);
  CHECK_FALSE(in.announced(9, {id("q")}, now).ok);
  CHECK_FALSE(in.expect_applied(9).ok);
  CHECK(in.runs_waiting() == 4);
  in.clear();
  std::vector<wire::item_id> many;
  for (int i = 0; i < 11; ++i)
    many.push_back(id("m" + std::to_string(i)));
  CHECK_FALSE(in.announced(1, many, now).ok); // more ids than max_missing
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

TEST_CASE("graft claims: one link grafts an id at a time") {
  inbound_limits limits;
  limits.graft_after = 100ms;
  inbound_runs first(limits), second(limits);
  graft_claims claims(100ms);
  auto t0 = time_point{} + 1s;
  REQUIRE(first.announced(1, {id("x")}, t0).ok);
  REQUIRE(second.announced(1, {id("x")}, t0).ok);
  auto claim = [&](time_point now) {
    return [&claims, now](const wire::item_id& i, std::chrono::milliseconds w) {
      return claims.claim(i, now, w);
    };
  };
  CHECK(first.due(t0 + 100ms, claim(t0 + 100ms)).size() == 1);
  CHECK(second.due(t0 + 100ms, claim(t0 + 100ms)).empty()); // claimed
  CHECK(second.due(t0 + 150ms, claim(t0 + 150ms)).empty()); // not yet again
  // The first link's graft did not bring it in time: the next one tries.
  CHECK(second.due(t0 + 200ms, claim(t0 + 200ms)).size() == 1);
}

TEST_CASE("graft claims: not while payloads still flow, but not for ever") {
  graft_claims claims(100ms);
  auto t0 = time_point{} + 10s;
  auto x = id("x", 100, "cafe");
  claims.pushed(t0);
  CHECK_FALSE(claims.claim(x, t0 + 100ms, 200ms)); // a push came 100 ms ago
  // Pushes keep coming, but it has waited long enough: grafted anyway.
  claims.pushed(t0 + 6s);
  CHECK(claims.claim(x, t0 + 6s, graft_claims::max_wait));
  // Quiet for `quiet`: the path has broken.
  CHECK(claims.claim(id("z", 100, "cafe"), t0 + 6s + graft_claims::quiet,
                     300ms));
}

TEST_CASE("graft claims: bounded however many ids are announced") {
  graft_claims claims(10s, 1000);
  auto now = time_point{} + 1s;
  for (int i = 0; i < 100000; ++i)
    claims.claim(id("p" + std::to_string(i)), now, 0ms);
  CHECK(claims.size() <= 1000);
}
