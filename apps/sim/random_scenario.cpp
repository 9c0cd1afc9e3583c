#include "apps/sim/random_scenario.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <random>
#include <vector>

namespace p2p::sim {

namespace json = boost::json;

namespace {

// The generator keeps what the runner will see (who is up, whether a
// partition holds) so every step it emits is valid when it runs.
struct generator {
  std::mt19937_64 rng;
  int n = 0;
  std::vector<bool> up;
  std::vector<int> group; // -1: healed
  json::array steps;
  int writes = 0;

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
    add("write", json::object{{"node", node},
                              {"path", path},
                              {"value", json::object{{"w", writes},
                                                     {"by", node}}}});
  }

  void step() {
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
      if (running_count() > 1) {
        int node = running_node();
        up[node] = false;
        if (chance(60))
          add("crash", json::object{{"node", node},
                                    {"inflight", pick(50, 400)},
                                    {"prefix", "f" + std::to_string(steps.size())
                                                 + "/"}});
        else
          add("crash", node);
      }
    } else if (r <= 57) {
      if (running_count() > 1) {
        int node = running_node();
        up[node] = false;
        add("stop", node);
      }
    } else if (r <= 70) {
      for (int i = 0; i < n; ++i)
        if (!up[i]) {
          up[i] = true;
          add("restart", i);
          break;
        }
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
  void partition() {
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
  void race() {
    auto path = key();
    for (int g = 0; g < 2; ++g)
      if (int node = running_node(g); node >= 0)
        write(node, path);
  }

  void finish() {
    if (partitioned())
      add("heal", json::object{});
    for (int i = 0; i < n; ++i)
      if (!up[i])
        add("restart", i);
    add("wait_converged", json::object{{"deadline_ms", 120000}});
    add("check_acknowledged", json::object{});
    add("check_identical", json::object{});
  }
};

} // namespace

std::string random_scenario_json(uint64_t seed, int nodes) {
  generator g;
  g.rng.seed(seed);
  g.n = nodes > 0 ? nodes : g.pick(5, 12);
  g.up.assign(g.n, true);
  g.group.assign(g.n, -1);
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
  int count = g.pick(20, 40);
  while (static_cast<int>(g.steps.size()) < count)
    g.step();
  g.finish();
  // One step a line, so a saved regression reads (and diffs) well.
  std::string out = "{\n  \"seed\": " + std::to_string(seed)
                    + ",\n  \"nodes\": " + std::to_string(g.n)
                    + ",\n  \"topology\": " + json::serialize(topology)
                    + ",\n  \"steps\": [\n";
  for (std::size_t i = 0; i < g.steps.size(); ++i)
    out += "    " + json::serialize(g.steps[i])
           + (i + 1 < g.steps.size() ? ",\n" : "\n");
  return out + "  ]\n}\n";
}

} // namespace p2p::sim
