// The named topologies of a scenario: which node dials which.
#include "apps/sim/scenario.hpp"

#include <algorithm>
#include <random>
#include <set>

namespace p2p::sim {

std::vector<edge> chain_edges(int n) {
  std::vector<edge> out;
  for (int i = 1; i < n; ++i)
    out.emplace_back(i - 1, i);
  return out;
}

std::vector<edge> ring_edges(int n) {
  auto out = chain_edges(n);
  if (n > 2)
    out.emplace_back(0, n - 1);
  return out;
}

std::vector<edge> star_edges(int n) {
  std::vector<edge> out;
  for (int i = 1; i < n; ++i)
    out.emplace_back(0, i);
  return out;
}

std::vector<edge> random_edges(int n, uint64_t seed, int extra) {
  std::mt19937_64 rng(seed);
  std::set<edge> edges;
  for (int i = 1; i < n; ++i) // a random spanning tree keeps it connected
    edges.emplace(std::uniform_int_distribution<int>(0, i - 1)(rng), i);
  auto max_edges = static_cast<std::size_t>(n) * (n - 1) / 2;
  while (extra-- > 0 && edges.size() < max_edges) {
    int a = std::uniform_int_distribution<int>(0, n - 1)(rng);
    int b = std::uniform_int_distribution<int>(0, n - 1)(rng);
    if (a == b || !edges.emplace(std::min(a, b), std::max(a, b)).second)
      ++extra;
  }
  return {edges.begin(), edges.end()};
}

} // namespace p2p::sim
