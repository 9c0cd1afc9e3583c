// The runner's checks: convergence, expected values, acknowledged writes.
#include "apps/sim/runner.hpp"
#include "apps/sim/step_failed.hpp"

#include "apps/example_support.hpp"

#include <cstdint>

#include <chrono>
#include <thread>

namespace p2p::sim {

using clock_type = std::chrono::steady_clock;

std::string runner::describe() const {
  std::string out = "entries and links per node:";
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    out += "\n  node " + std::to_string(i) + ": ";
    if (!nodes_[i].server) {
      out += "down";
      continue;
    }
    auto& n = *nodes_[i].server;
    out += std::to_string(n.stats().entries) + " entries, "
           + std::to_string(n.connected_peers()) + " links up "
           + n.peers_json();
  }
  return out;
}

bool runner::converged() const {
  const std::vector<update>* first = nullptr;
  std::vector<std::vector<update>> scans;
  scans.reserve(nodes_.size());
  for (auto& n : nodes_) {
    if (!n.server)
      continue;
    scans.push_back(n.server->scan(""));
    if (!first)
      first = &scans.front();
    else if (scans.back() != *first)
      return false;
  }
  return true;
}

void runner::check(const step& s) {
  auto until = clock_type::now() + std::chrono::milliseconds(s.for_ms);
  do {
    auto got = at(s.node, "check").get(s.path);
    auto want_absent = s.value == "null";
    if (want_absent ? got.has_value() : got != s.value)
      throw step_failed("node " + std::to_string(s.node) + " has " + s.path
                        + " = " + got.value_or("(absent)") + ", expected "
                        + s.value);
    if (s.for_ms > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (clock_type::now() < until);
}

std::string runner::check_acknowledged() const {
  int checked = 0;
  std::vector<update> some_scan;
  for (int i = 0; i < sc_.nodes; ++i) {
    if (!running(i))
      continue;
    auto live = nodes_[i].server->scan("");
    auto diff = acked_.compare(live);
    if (!diff.empty())
      throw step_failed("node " + std::to_string(i)
                        + " lost acknowledged writes: " + diff);
    if (++checked == 1)
      some_scan = std::move(live);
  }
  auto note = std::to_string(acked_.paths()) + " paths on "
              + std::to_string(checked) + " nodes";
  // Of the writes in flight at crashes, how many were kept though never
  // acknowledged, and how many were dropped (never committed).
  int sent = 0, acknowledged = 0, kept = 0;
  for (auto& c : crashes_) {
    sent += c.sent;
    acknowledged += c.acknowledged;
    for (auto& u : some_scan)
      kept += u.path.compare(0, c.prefix.size(), c.prefix) == 0;
  }
  if (sent > 0)
    note += "; of " + std::to_string(sent) + " writes in flight at crashes "
            + std::to_string(acknowledged) + " acknowledged, "
            + std::to_string(kept - acknowledged) + " kept unacknowledged, "
            + std::to_string(sent - kept) + " dropped";
  return note;
}

// Waits until every running node has between min and max links up and
// knows `known` other nodes, linked or by address (and the hub, if named,
// has fewer links than all the others); says how they ended.
std::string runner::check_links(const step& s) {
  auto counts = [&] {
    std::vector<std::size_t> out;
    for (int i = 0; i < sc_.nodes; ++i)
      out.push_back(running(i) ? nodes_[i].server->connected_peers() : 0);
    return out;
  };
  std::size_t up = 0;
  for (int i = 0; i < sc_.nodes; ++i)
    up += running(i) ? 1 : 0;
  auto holds = [&] {
    auto c = counts();
    for (int i = 0; i < sc_.nodes; ++i)
      if (running(i)
          && (c[i] < static_cast<std::size_t>(s.min_links)
              || c[i] > static_cast<std::size_t>(s.max_links)
              || c[i] + nodes_[i].server->stats().passive_size
                   < static_cast<uint64_t>(s.known)))
        return false;
    return s.hub < 0 || !running(s.hub) || c[s.hub] + 1 < up;
  };
  bool ok = examples::wait_until(holds,
                                 std::chrono::milliseconds(s.deadline_ms),
                                 std::chrono::milliseconds(50));
  auto c = counts();
  std::size_t least = SIZE_MAX, most = 0;
  for (int i = 0; i < sc_.nodes; ++i)
    if (running(i))
      least = std::min(least, c[i]), most = std::max(most, c[i]);
  auto summary = "links per node " + std::to_string(least) + " to "
                 + std::to_string(most)
                 + (s.hub >= 0 ? ", hub " + std::to_string(c[s.hub]) : "");
  if (!ok)
    throw step_failed("links not within [" + std::to_string(s.min_links)
                      + ", " + std::to_string(s.max_links) + "] in "
                      + std::to_string(s.deadline_ms) + " ms: " + summary);
  return summary;
}

} // namespace p2p::sim
