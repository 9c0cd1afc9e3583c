#pragma once
// Seeded random scenarios for chaos runs: the same seed always gives the
// same scenario (JSON text), so a failing seed reruns its schedule and can
// be saved as a regression under tests/scenarios/.
#include <cstdint>
#include <string>

namespace p2p::sim {

/// 5 to 12 nodes (or `nodes` when > 0) in a random topology; writes,
/// deletes, bulk writes, same-key races across a partition, crashes with
/// writes in flight, stops, restarts, partitions, heals and link flaps;
/// ending healed with every node up, converged, identical, and holding
/// every acknowledged write.
std::string random_scenario_json(uint64_t seed, int nodes = 0);

} // namespace p2p::sim
