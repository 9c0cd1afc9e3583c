// The tombstone schedule of random_ttl_scenario_json: more deletes, most of
// paths written before, deletes racing writes across a partition, and time
// passing (sleep steps) so that short TTLs run out during partitions and
// crashes.
#include "apps/sim/random_generator.hpp"
#include "apps/sim/random_scenario.hpp"

#include <stdexcept>

namespace p2p::sim {

namespace detail {

// A path to delete: mostly one written before (a key or a bulk write's).
std::string generator::deletable() {
  int r = pick(1, 100);
  if (r <= 70 && !written.empty())
    return written[pick(0, static_cast<int>(written.size()) - 1)];
  if (r <= 95 && !bulks.empty()) {
    auto& [prefix, count] = bulks[pick(0, static_cast<int>(bulks.size()) - 1)];
    return prefix + std::to_string(pick(0, count - 1));
  }
  return key();
}

void generator::remove(int node, const std::string& path) {
  add("delete", json::object{{"node", node}, {"path", path}});
}

// The schedule of random_ttl_scenario_json: deletes and sleeps are more
// frequent, bulk writes smaller.
void generator::ttl_step() {
  int r = pick(1, 100);
  if (r <= 22) {
    // Half to a path no node holds yet: written on a side cut off past the
    // TTL, the other side's horizon may take it for deleted.
    if (int node = running_node(); node >= 0)
      write(node, chance(50) ? key() : "p/" + std::to_string(steps.size()));
  } else if (r <= 40) {
    if (int node = running_node(); node >= 0)
      remove(node, deletable());
  } else if (r <= 45) {
    if (running_count() > 0) {
      auto prefix = "b" + std::to_string(steps.size()) + "/";
      int count = pick(20, 100);
      bulks.emplace_back(prefix, count);
      add("bulk", json::object{{"node", "all"}, {"count", count},
                               {"prefix", prefix}});
    }
  } else if (r <= 52) {
    if (running_count() > 1)
      crash_one(50, 300);
  } else if (r <= 55) {
    if (running_count() > 1)
      stop_one();
  } else if (r <= 65) {
    restart_first_down();
  } else if (r <= 71) {
    if (!partitioned())
      partition();
  } else if (r <= 78) {
    if (partitioned())
      chance(50) ? race() : delete_race();
  } else if (r <= 83) {
    if (partitioned()) {
      group.assign(n, -1);
      add("heal", json::object{});
    }
  } else if (r <= 87) {
    if (int node = running_node(); node >= 0)
      add("flap", node);
  } else if (r <= 96) {
    add("sleep", json::object{{"ms", pick(5, 25) * 100}});
  } else if (!partitioned() && running_count() == n) {
    add("wait_converged", json::object{{"deadline_ms", 60000}});
    add("check_absent", json::object{});
    add("check_acknowledged", json::object{});
  }
}

// A path written before, deleted on one side of the partition and
// written on the other, in either order.
void generator::delete_race() {
  auto path = deletable();
  int first = pick(0, 1);
  for (int g : {first, 1 - first})
    if (int node = running_node(g); node >= 0)
      g == 0 ? remove(node, path) : write(node, path);
}

} // namespace detail

std::string mixed_ttl(uint64_t seed, int index) {
  static const char* const ttls[] = {"1s", "2s", "3s", "0"};
  return ttls[(seed % 4 + static_cast<uint64_t>(index) % 4) % 4];
}

std::string random_ttl_scenario_json(uint64_t seed, int nodes,
                                     const std::string& ttl) {
  if (ttl.empty())
    throw std::invalid_argument("tombstone TTL: empty");
  return detail::generate(seed, nodes, ttl);
}

} // namespace p2p::sim
