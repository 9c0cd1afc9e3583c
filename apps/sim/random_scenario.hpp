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

/// The tombstone TTL `--tombstone-ttl mixed` gives node `index`: of 1s, 2s,
/// 3s and 0 (keep for ever) the one at (seed + index) mod 4, so any four
/// nodes in a row have all four.
std::string mixed_ttl(uint64_t seed, int index);

/// The same kind of scenario with every node's "tombstone_ttl" set (`ttl`:
/// one duration for all, or "mixed"), and a schedule made to test
/// collection: more deletes (most of paths written earlier, some racing a
/// write of the path across a partition), `sleep` steps of 0.5 to 2.5 s so
/// that TTLs run out during partitions and crashes, and at the end a sleep
/// past the longest TTL before check_absent, check_acknowledged and
/// check_identical. Not the schedule random_scenario_json makes of a seed.
std::string random_ttl_scenario_json(uint64_t seed, int nodes,
                                     const std::string& ttl);

} // namespace p2p::sim
