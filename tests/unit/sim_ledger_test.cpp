// The simulator's ledger (apps/sim/ledger): which acknowledged writes must
// hold on every node, which deleted paths must stay absent, and which
// values the horizon may have collected.
#include "apps/sim/ledger.hpp"
#include "p2psync/hlc.hpp"

#include <doctest/doctest.h>

using namespace p2p;
using p2p::sim::ledger;

namespace {

update put(const std::string& path, const std::string& value, uint64_t ms,
           const std::string& origin = "aa") {
  return {path, value, hlc_from_ms(ms), origin};
}

update del(const std::string& path, uint64_t ms,
           const std::string& origin = "aa") {
  return {path, "null", hlc_from_ms(ms), origin};
}

const std::vector<std::string> three{"node 0", "node 1", "node 2"};

} // namespace

TEST_CASE("sim ledger: the last acknowledged write or delete wins") {
  ledger l;
  l.acknowledged(put("a", "1", 100));
  l.acknowledged(del("a", 200));
  l.acknowledged(del("b", 100));
  l.acknowledged(put("b", "2", 200));
  l.acknowledged(put("c", "old", 300, "bb"));
  l.acknowledged(put("c", "older", 300, "aa")); // same ms: origin decides
  l.acknowledged(del("d", 500));
  l.acknowledged(put("d", "late ack of an early write", 400));
  CHECK(l.paths() == 4);
  CHECK(l.deletes() == 2); // a and d
  std::vector<update> node{put("b", "2", 200), put("c", "old", 300, "bb")};
  auto v = l.verify({node, node, node}, three, 0);
  CHECK(v.failure.empty());
  CHECK(v.values == 2);
  CHECK(v.deletes == 2);
  CHECK(v.collected == 0);
}

TEST_CASE("sim ledger: a winning delete held by any node is a resurrection") {
  ledger l;
  l.acknowledged(put("k/1", "1", 100));
  l.acknowledged(del("k/1", 200));
  std::vector<update> clean, back{put("k/1", "1", 100)};
  auto v = l.verify({clean, back, clean}, three, 0);
  CHECK(v.failure.find("k/1 resurrected") != std::string::npos);
  CHECK(v.failure.find("node 1 holds 1") != std::string::npos);
  CHECK(v.failure.find("1 of 3 nodes") != std::string::npos);
  // Whatever the horizon, and in the deletes-only check too.
  CHECK_FALSE(l.verify({clean, back, clean}, three, hlc_from_ms(10000))
                .failure.empty());
  CHECK_FALSE(l.verify({clean, back, clean}, three, 0, true).failure.empty());
  CHECK(l.verify({clean, clean, clean}, three, 0, true).deletes == 1);
}

TEST_CASE("sim ledger: a value gone from every node only below the horizon") {
  ledger l;
  l.acknowledged(put("cut/off", "1", 1000));
  std::vector<update> none;
  // Below the largest horizon: collected (written on a side cut off longer
  // than the TTL), counted, not a failure.
  auto below = l.verify({none, none, none}, three, hlc_from_ms(1000) + 1);
  CHECK(below.failure.empty());
  CHECK(below.collected == 1);
  CHECK(below.values == 0);
  // At or above it: lost.
  auto at = l.verify({none, none, none}, three, hlc_from_ms(1000));
  CHECK(at.failure.find("cut/off") != std::string::npos);
  CHECK(at.failure.find("on no node") != std::string::npos);
  CHECK(at.collected == 0);
  CHECK_FALSE(l.verify({none, none, none}, three, 0).failure.empty());
  // The deletes-only check does not look at values.
  CHECK(l.verify({none, none, none}, three, 0, true).failure.empty());
}

TEST_CASE("sim ledger: a value missing on some nodes is lost, horizon or not") {
  ledger l;
  l.acknowledged(put("p", "1", 1000));
  std::vector<update> has{put("p", "1", 1000)}, none;
  auto v = l.verify({has, none, has}, three, hlc_from_ms(5000));
  CHECK(v.failure.find("node 1 lost p") != std::string::npos);
  CHECK(v.failure.find("has nothing") != std::string::npos);
  CHECK(v.collected == 0);
  CHECK(v.values == 0);
}

TEST_CASE("sim ledger: an older value or another origin is not the winner") {
  ledger l;
  l.acknowledged(put("p", "1", 1000));
  l.acknowledged(put("p", "2", 2000));
  std::vector<update> now{put("p", "2", 2000)}, stale{put("p", "1", 1000)},
    other{put("p", "2", 2000, "cc")};
  CHECK(l.verify({now, now, now}, three, 0).failure.empty());
  auto v = l.verify({now, stale, now}, three, hlc_from_ms(5000));
  CHECK(v.failure.find("node 1 lost p: acknowledged 2") != std::string::npos);
  CHECK(v.failure.find("has 1 (origin aa") != std::string::npos);
  CHECK_FALSE(l.verify({now, now, other}, three, 0).failure.empty());
}

TEST_CASE("sim ledger: a failure names the first three paths and counts more") {
  ledger l;
  std::vector<update> holds;
  for (int i = 0; i < 5; ++i) {
    auto path = "d/" + std::to_string(i);
    l.acknowledged(put(path, "1", 100));
    l.acknowledged(del(path, 200));
    holds.push_back(put(path, "1", 100));
  }
  auto v = l.verify({holds}, {"node 7"}, 0);
  CHECK(v.failure.find("d/0 resurrected") != std::string::npos);
  CHECK(v.failure.find("d/2 resurrected") != std::string::npos);
  CHECK(v.failure.find("d/3") == std::string::npos);
  CHECK(v.failure.find("and 2 more") != std::string::npos);
  CHECK(v.failure.find("node 7") != std::string::npos);
}
