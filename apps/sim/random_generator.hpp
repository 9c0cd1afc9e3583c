#pragma once
// The random scenario generator, shared by random_scenario.cpp (the base
// schedule) and random_ttl.cpp (the tombstone schedule). Internal to p2p-sim.
#include <boost/json.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace p2p::sim::detail {

namespace json = boost::json;

// The generator keeps what the runner will see (who is up, whether a
// partition holds) so every step it emits is valid when it runs.
struct generator {
  std::mt19937_64 rng;
  int n = 0;
  std::vector<bool> up;
  std::vector<int> group; // -1: healed
  json::array steps;
  int writes = 0;
  // Tombstone mode (random_ttl_scenario_json) only: what may be deleted.
  bool ttl_mode = false;
  int64_t longest_ttl_ms = 0;
  std::vector<std::string> written;
  std::vector<std::pair<std::string, int>> bulks; // prefix, count

  // Steps both schedules take (the same draws, so seeds keep their
  // scenarios): crash a running node (with writes in flight in
  // `inflight_percent` of cases, 50 to `max_inflight` of them), stop one,
  // restart the first one down.
  void crash_one(int inflight_percent, int max_inflight);
  void stop_one();
  void restart_first_down();

  int pick(int lo, int hi) { // inclusive
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  }
  bool chance(int percent) {
    return pick(1, 100) <= percent;
  }
  int running_count() const {
    int c = 0;
    for (bool u : up)
      c += u;
    return c;
  }
  // A running node (of `in_group` when >= 0); -1 when there is none.
  int running_node(int in_group = -1) {
    std::vector<int> c;
    for (int i = 0; i < n; ++i)
      if (up[i] && (in_group < 0 || group[i] == in_group))
        c.push_back(i);
    return c.empty() ? -1 : c[pick(0, static_cast<int>(c.size()) - 1)];
  }
  bool partitioned() const {
    return group[0] >= 0;
  }
  std::string key() {
    return "k/" + std::to_string(pick(0, 24));
  }
  void add(const char* kind, json::value arg) {
    steps.push_back(json::object{{kind, std::move(arg)}});
  }
  void write(int node, const std::string& path) {
    ++writes;
    written.push_back(path);
    add("write", json::object{{"node", node},
                              {"path", path},
                              {"value", json::object{{"w", writes},
                                                     {"by", node}}}});
  }

  void step();      // the base schedule
  void partition(); // two groups of every node (down ones too)
  void race();      // the same key written on both sides of the partition
  void finish();    // healed, all up, converged, checked

  // The tombstone schedule (random_ttl.cpp).
  void ttl_step();
  std::string deletable();
  void remove(int node, const std::string& path);
  void delete_race();
};

/// The scenario JSON of a seed; `ttl`: empty (the base schedule, no
/// "tombstone_ttl"), a duration for every node, or "mixed".
std::string generate(uint64_t seed, int nodes, const std::string& ttl);

} // namespace p2p::sim::detail
