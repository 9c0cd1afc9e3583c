#include "apps/sim/random_scenario.hpp"
#include "apps/sim/random_generator.hpp"

#include "protocol/duration.hpp"

#include <algorithm>
#include <stdexcept>

namespace p2p::sim {

namespace detail {

void generator::crash_one(int inflight_percent, int max_inflight) {
  int node = running_node();
  up[node] = false;
  if (chance(inflight_percent))
    add("crash", json::object{{"node", node},
                              {"inflight", pick(50, max_inflight)},
                              {"prefix", "f" + std::to_string(steps.size()) + "/"}});
  else
    add("crash", node);
}

void generator::stop_one() {
  int node = running_node();
  up[node] = false;
  add("stop", node);
}

void generator::restart_first_down() {
  for (int i = 0; i < n; ++i)
    if (!up[i]) {
      up[i] = true;
      add("restart", i);
      return;
    }
}

void generator::step() {
  if (ttl_mode)
    return ttl_step();
  int r = pick(1, 100);
  if (r <= 28) {
    if (int node = running_node(); node >= 0)
      write(node, key());
  } else if (r <= 38) {
    if (int node = running_node(); node >= 0)
      add("delete", json::object{{"node", node}, {"path", key()}});
  } else if (r <= 45) {
    if (running_count() > 0)
      add("bulk", json::object{{"node", "all"},
                               {"count", pick(20, 150)},
                               {"prefix", "b" + std::to_string(steps.size())
                                            + "/"}});
  } else if (r <= 54) {
    if (running_count() > 1)
      crash_one(60, 400);
  } else if (r <= 57) {
    if (running_count() > 1)
      stop_one();
  } else if (r <= 70) {
    restart_first_down();
  } else if (r <= 77) {
    if (!partitioned())
      partition();
  } else if (r <= 84) {
    if (partitioned())
      race();
  } else if (r <= 90) {
    if (partitioned()) {
      group.assign(n, -1);
      add("heal", json::object{});
    }
  } else if (r <= 96) {
    if (int node = running_node(); node >= 0)
      add("flap", node);
  } else if (!partitioned() && running_count() == n) {
    add("wait_converged", json::object{{"deadline_ms", 90000}});
    add("check_acknowledged", json::object{});
  }
}

// Two groups of every node (down ones too), each non-empty.
void generator::partition() {
  std::vector<int> order(n);
  for (int i = 0; i < n; ++i)
    order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  int cut = pick(1, n - 1);
  json::array a, b;
  for (int i = 0; i < n; ++i) {
    group[order[i]] = i < cut ? 0 : 1;
    (i < cut ? a : b).push_back(order[i]);
  }
  add("partition", json::array{a, b});
}

// The same key written on both sides of the partition.
void generator::race() {
  auto path = key();
  for (int g = 0; g < 2; ++g)
    if (int node = running_node(g); node >= 0)
      write(node, path);
}

void generator::finish() {
  if (partitioned())
    add("heal", json::object{});
  for (int i = 0; i < n; ++i)
    if (!up[i])
      add("restart", i);
  if (!ttl_mode) {
    add("wait_converged", json::object{{"deadline_ms", 120000}});
    add("check_acknowledged", json::object{});
    add("check_identical", json::object{});
    return;
  }
  // Past the longest TTL, every node has collected what it may.
  add("wait_converged", json::object{{"deadline_ms", 60000}});
  add("check_absent", json::object{});
  if (longest_ttl_ms > 0)
    add("sleep", json::object{{"ms", longest_ttl_ms + 1500}});
  add("wait_converged", json::object{{"deadline_ms", 30000}});
  add("check_absent", json::object{});
  add("check_acknowledged", json::object{});
  add("check_identical", json::object{});
}

// `ttl`: empty (no "tombstone_ttl"), a duration, or "mixed".
std::string generate(uint64_t seed, int nodes, const std::string& ttl) {
  generator g;
  g.rng.seed(seed);
  g.n = nodes > 0 ? nodes : g.pick(5, 12);
  g.up.assign(g.n, true);
  g.group.assign(g.n, -1);
  json::value ttls;
  if (!ttl.empty()) {
    g.ttl_mode = true;
    json::array each;
    for (int i = 0; i < g.n; ++i) {
      auto text = ttl == "mixed" ? mixed_ttl(seed, i) : ttl;
      auto ms = parse_duration(text);
      if (!ms)
        throw std::invalid_argument("tombstone TTL: not a duration: " + text);
      g.longest_ttl_ms = std::max<int64_t>(g.longest_ttl_ms, ms->count());
      each.emplace_back(text);
    }
    ttls = ttl == "mixed" ? json::value(each) : json::value(ttl);
  }
  json::value topology;
  switch (g.pick(0, 3)) {
    case 0: topology = "chain"; break;
    case 1: topology = "ring"; break;
    case 2: topology = "star"; break;
    default:
      topology = json::object{
        {"random", json::object{{"seed", g.pick(0, 1 << 30)},
                                {"extra_edges", g.pick(0, g.n)}}}};
  }
  int count = g.pick(20, 40) + (g.ttl_mode ? 15 : 0);
  while (static_cast<int>(g.steps.size()) < count)
    g.step();
  g.finish();
  // One step a line, so a saved regression reads (and diffs) well.
  std::string out = "{\n  \"seed\": " + std::to_string(seed)
                    + ",\n  \"nodes\": " + std::to_string(g.n)
                    + ",\n  \"topology\": " + json::serialize(topology)
                    + (g.ttl_mode ? ",\n  \"tombstone_ttl\": "
                                      + json::serialize(ttls)
                                  : std::string())
                    + ",\n  \"steps\": [\n";
  for (std::size_t i = 0; i < g.steps.size(); ++i)
    out += "    " + json::serialize(g.steps[i])
           + (i + 1 < g.steps.size() ? ",\n" : "\n");
  return out + "  ]\n}\n";
}

} // namespace detail

std::string random_scenario_json(uint64_t seed, int nodes) {
  return detail::generate(seed, nodes, "");
}

} // namespace p2p::sim
