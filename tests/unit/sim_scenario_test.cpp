// The simulator's scenario format (tombstone_ttl, sleep, check_absent) and
// its seeded random scenarios: the base schedule of a seed must not change,
// the tombstone schedule must give time for the TTLs to run out.
#include "apps/sim/random_scenario.hpp"
#include "apps/sim/scenario.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>

using namespace p2p::sim;
using std::chrono::milliseconds;

namespace {

std::string with(const std::string& fields) {
  return R"({"nodes": 3, "topology": "chain", )" + fields + R"(, "steps": []})";
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s)
    h = (h ^ c) * 0x100000001b3ull;
  return h;
}

} // namespace

TEST_CASE("sim scenario: tombstone_ttl for all nodes or one a node") {
  scenario sc;
  std::string why;
  REQUIRE(parse_scenario(with(R"("broadcast": "tree")"), sc, why));
  CHECK(sc.tombstone_ttl.empty()); // absent: server_options' default
  sc = {};
  REQUIRE(parse_scenario(with(R"("tombstone_ttl": "2s")"), sc, why));
  CHECK(sc.tombstone_ttl == std::vector<milliseconds>(3, milliseconds(2000)));
  sc = {};
  REQUIRE(parse_scenario(with(R"("tombstone_ttl": ["1s", "500ms", "0"])"), sc,
                         why));
  CHECK(sc.tombstone_ttl
        == std::vector<milliseconds>{milliseconds(1000), milliseconds(500),
                                     milliseconds(0)});
  CHECK(ttl_text(milliseconds(1000)) == "1s");
  CHECK(ttl_text(milliseconds(500)) == "500ms");
  CHECK(ttl_text(milliseconds(0)) == "0");
}

TEST_CASE("sim scenario: a bad tombstone_ttl is named") {
  scenario sc;
  std::string why;
  CHECK_FALSE(parse_scenario(with(R"("tombstone_ttl": "2 seconds")"), sc, why));
  CHECK(why.rfind("tombstone_ttl: a duration", 0) == 0);
  CHECK_FALSE(parse_scenario(with(R"("tombstone_ttl": 2000)"), sc, why));
  CHECK(why.rfind("tombstone_ttl:", 0) == 0);
  CHECK_FALSE(parse_scenario(with(R"("tombstone_ttl": ["1s", "2s"])"), sc, why));
  CHECK(why.find("one duration per node (3), has 2") != std::string::npos);
  CHECK_FALSE(
    parse_scenario(with(R"("tombstone_ttl": ["1s", "2s", "x"])"), sc, why));
  CHECK(why.rfind("tombstone_ttl[2]:", 0) == 0);
}

TEST_CASE("sim scenario: sleep and check_absent steps") {
  scenario sc;
  std::string why;
  REQUIRE(parse_scenario(R"({"nodes": 2, "topology": "chain", "steps": [
    {"sleep": {"ms": 1500}}, {"check_absent": {}}]})",
                         sc, why));
  REQUIRE(sc.steps.size() == 2);
  CHECK(sc.steps[0].what == step::sleep);
  CHECK(sc.steps[0].for_ms == 1500);
  CHECK(sc.steps[1].what == step::check_absent);
  CHECK_FALSE(parse_scenario(R"({"nodes": 2, "topology": "chain", "steps": [
    {"sleep": {"ms": -1}}]})",
                             sc, why));
  CHECK(why == "steps[0] (sleep): ms from 0 to 600000");
  CHECK_FALSE(parse_scenario(R"({"nodes": 2, "topology": "chain", "steps": [
    {"sleep": {}}]})",
                             sc, why));
  CHECK(why == "steps[0] (sleep): missing \"ms\"");
}

TEST_CASE("sim random scenarios: a seed's base schedule is what it was") {
  // Hashes of the text before tombstone scenarios were added: CTest's and
  // chaos.sh's seeds must keep running the same schedules.
  CHECK(fnv1a(random_scenario_json(1)) == 0xdaf0890fe851cf17ull);
  CHECK(fnv1a(random_scenario_json(7)) == 0xfdc4b395f09d2134ull);
  CHECK(fnv1a(random_scenario_json(11)) == 0x3b6eb90b24780a1aull);
  CHECK(random_scenario_json(3).find("tombstone_ttl") == std::string::npos);
}

TEST_CASE("sim random scenarios: the tombstone schedule") {
  CHECK(mixed_ttl(0, 0) == "1s");
  CHECK(mixed_ttl(0, 3) == "0");
  CHECK(mixed_ttl(5, 0) == "2s");
  CHECK(mixed_ttl(5, 2) == "0");
  for (uint64_t seed : {1u, 2u, 3u, 4u, 5u, 6u}) {
    auto text = random_ttl_scenario_json(seed, 0, "mixed");
    CHECK(text == random_ttl_scenario_json(seed, 0, "mixed"));
    scenario sc;
    std::string why;
    REQUIRE_MESSAGE(parse_scenario(text, sc, why), why);
    REQUIRE(sc.tombstone_ttl.size() == static_cast<std::size_t>(sc.nodes));
    milliseconds longest{0};
    for (int i = 0; i < sc.nodes; ++i) {
      CHECK(ttl_text(sc.tombstone_ttl[i]) == mixed_ttl(seed, i));
      longest = std::max(longest, sc.tombstone_ttl[i]);
    }
    int deletes = 0, sleeps = 0;
    for (auto& s : sc.steps) {
      deletes += s.what == step::remove;
      sleeps += s.what == step::sleep;
    }
    CHECK(deletes > 0);
    CHECK(sleeps > 0);
    // It ends: sleep past the longest TTL, converge, then the checks.
    auto n = sc.steps.size();
    REQUIRE(n > 5);
    CHECK(sc.steps[n - 5].what == step::sleep);
    CHECK(sc.steps[n - 5].for_ms > longest.count());
    CHECK(sc.steps[n - 4].what == step::wait_converged);
    CHECK(sc.steps[n - 3].what == step::check_absent);
    CHECK(sc.steps[n - 2].what == step::check_acknowledged);
    CHECK(sc.steps[n - 1].what == step::check_identical);
  }
  auto one = random_ttl_scenario_json(9, 4, "1s");
  CHECK(one.find(R"("tombstone_ttl": "1s")") != std::string::npos);
  CHECK_THROWS(random_ttl_scenario_json(9, 4, "soon"));
}
