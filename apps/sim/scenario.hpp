#pragma once
// A simulation scenario: how many nodes, how they are linked, and the steps
// to run. Parsed from JSON (see the README's "Simulations") with an error
// that names the offending step.
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace p2p::sim {

using edge = std::pair<int, int>; // the second node dials the first

struct step {
  enum kind {
    write,          // node, path, value
    remove,         // node, path
    bulk,           // node (-1: spread over all running nodes), count, prefix, value_bytes
    wait_converged, // deadline_ms
    stop,           // node (graceful)
    crash,          // node, count (writes left in flight), prefix: as if killed
    restart,        // node (same port, same db)
    partition,      // groups (kept for nodes that restart later)
    heal,
    flap,           // node: its links are cut and come back
    check,          // node, path, value ("null": absent or deleted), for_ms
    check_identical,
    check_acknowledged, // every acknowledged write holds on every running node
    check_links,    // min, max (links up per running node), hub, deadline_ms
    sleep,          // for_ms: time passes (tombstone TTLs run out)
    check_absent,   // every path whose acknowledged delete wins is absent
  } what = write;
  std::string name; // as written in the scenario, for the report
  int node = 0;
  std::string path;
  std::string value = "null"; // JSON text
  int count = 0;
  std::string prefix;
  int value_bytes = 0;
  int64_t deadline_ms = 30000;
  int64_t for_ms = 0; // a check that must hold this long
  std::vector<std::vector<int>> groups;
  int min_links = 0, max_links = 0; // check_links
  int hub = -1; // check_links: a node that must not be linked to all
  int known = 0; // check_links: nodes each knows, linked or by address
};

/// How the nodes link and broadcast (server_options): peer exchange (the
/// simulator gives every node one cluster secret, so they learn addresses)
/// and tree or flood broadcast.
struct link_settings {
  bool exchange = true;
  int min_links = 3, max_links = 8;
  bool tree = true;
};

struct scenario {
  int nodes = 0;
  std::string topology_name;
  std::vector<edge> edges; // the seeds: the second node dials the first
  link_settings links;
  /// Per node (server_options::tombstone_ttl; 0 keeps them for ever);
  /// empty: the default of server_options.
  std::vector<std::chrono::milliseconds> tombstone_ttl;
  std::vector<step> steps;
};

/// Parses and validates; on error returns false with `why`.
bool parse_scenario(const std::string& json_text, scenario& out,
                    std::string& why);

/// "1s", "250ms", "0": how the report shows a TTL.
std::string ttl_text(std::chrono::milliseconds ttl);

/// The edges of a named topology: chain, ring, star; random (seed, extra
/// edges beyond a spanning tree).
std::vector<edge> chain_edges(int n);
std::vector<edge> ring_edges(int n);
std::vector<edge> star_edges(int n);
std::vector<edge> random_edges(int n, uint64_t seed, int extra);

} // namespace p2p::sim
