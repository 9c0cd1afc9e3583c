#include "p2psync/hlc.hpp"

#include <doctest/doctest.h>

using namespace p2p;

TEST_CASE("stamps follow the wall clock") {
  uint64_t wall = 1000;
  hybrid_clock clock([&] { return wall; });
  auto a = clock.now();
  CHECK(wall_ms_of(a) == 1000);
  wall = 1005;
  auto b = clock.now();
  CHECK(b > a);
  CHECK(wall_ms_of(b) == 1005);
}

TEST_CASE("same millisecond: the counter orders stamps") {
  uint64_t wall = 1000;
  hybrid_clock clock([&] { return wall; });
  auto a = clock.now();
  auto b = clock.now();
  CHECK(b == a + 1);
  CHECK(wall_ms_of(b) == 1000);
}

TEST_CASE("clock going backwards never moves stamps back") {
  uint64_t wall = 5000;
  hybrid_clock clock([&] { return wall; });
  auto a = clock.now();
  wall = 1000;
  auto b = clock.now();
  CHECK(b > a);
  CHECK(wall_ms_of(b) == 5000);
}

TEST_CASE("observing a remote stamp ahead of us keeps us ahead of it") {
  uint64_t wall = 1000;
  hybrid_clock clock([&] { return wall; });
  auto remote = hlc_from_ms(9000) + 7;
  clock.observe(remote);
  auto next = clock.now();
  CHECK(next > remote);
  clock.observe(hlc_from_ms(10)); // an old stamp changes nothing
  CHECK(clock.now() > next);
}

TEST_CASE("counter overflow carries into the millisecond part") {
  uint64_t wall = 1000;
  hybrid_clock clock([&] { return wall; });
  hlc_time last = 0;
  for (int i = 0; i < 70000; ++i) {
    auto t = clock.now();
    REQUIRE(t > last);
    last = t;
  }
  CHECK(wall_ms_of(last) == 1001);
}

TEST_CASE("equal stamps are broken by origin, the same way everywhere") {
  CHECK(stamp_wins(5, "bbb", 5, "aaa"));
  CHECK_FALSE(stamp_wins(5, "aaa", 5, "bbb"));
  CHECK_FALSE(stamp_wins(5, "aaa", 5, "aaa")); // identical: not newer
  CHECK(stamp_wins(6, "aaa", 5, "zzz"));       // time first
}

TEST_CASE("the clock saturates instead of wrapping") {
  hybrid_clock clock([] { return uint64_t{1000}; });
  clock.observe(UINT64_MAX);
  CHECK(clock.now() == UINT64_MAX);
  CHECK(clock.now() == UINT64_MAX);
}

#include "protocol/seen_cache.hpp"

TEST_CASE("the seen cache forgets its oldest ids past its capacity") {
  seen_cache seen(3);
  for (hlc_time t = 1; t <= 4; ++t)
    seen.insert(seen_cache::key("p", "ab", t, "1"));
  CHECK(seen.size() == 3);
  CHECK_FALSE(seen.contains(seen_cache::key("p", "ab", 1, "1")));
  CHECK(seen.contains(seen_cache::key("p", "ab", 4, "1")));
  CHECK_FALSE(seen.contains(seen_cache::key("q", "ab", 4, "1"))); // path counts
  CHECK_FALSE(seen.contains(seen_cache::key("p", "cd", 4, "1"))); // origin counts
  CHECK_FALSE(seen.contains(seen_cache::key("p", "ab", 4, "2"))); // value counts
}
