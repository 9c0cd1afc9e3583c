// The runner's checks: convergence, expected values, acknowledged writes.
#include "apps/sim/runner.hpp"
#include "apps/sim/step_failed.hpp"

#include "apps/example_support.hpp"
#include "p2psync/hlc.hpp"

#include <cstdint>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

namespace p2p::sim {

using clock_type = std::chrono::steady_clock;

namespace {

std::string stamp_text(hlc_time t) {
  return std::to_string(wall_ms_of(t)) + "+" + std::to_string(t & 0xffff);
}

// "STAMP, 1234 ms ago" (by this machine's clock, the nodes' too), or "none".
std::string horizon_age(hlc_time horizon) {
  if (horizon == 0)
    return "none";
  return stamp_text(horizon) + ", "
         + std::to_string(static_cast<int64_t>(system_wall_ms())
                          - static_cast<int64_t>(wall_ms_of(horizon)))
         + " ms ago";
}

} // namespace

std::string runner::describe() const {
  std::string out = "per node: entries, tombstones, horizon, links:";
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    out += "\n  node " + std::to_string(i) + " (" + nodes_[i].id + "): ";
    if (!nodes_[i].server) {
      out += "down";
      continue;
    }
    auto& n = *nodes_[i].server;
    auto st = n.stats();
    out += std::to_string(st.entries) + " entries, "
           + std::to_string(st.tombstones) + " tombstones, horizon "
           + horizon_age(st.horizon) + ", dropped by it "
           + std::to_string(st.dropped_by_horizon) + ", "
           + std::to_string(n.connected_peers()) + " links up "
           + n.peers_json();
  }
  return out;
}

// The first few paths the running nodes disagree on, each node's version
// (value, origin, stamp as wall ms + counter) or "absent".
std::string runner::differences() const {
  std::map<std::string, std::vector<const update*>> by_path;
  std::vector<std::vector<update>> scans;
  std::vector<int> who;
  for (int i = 0; i < sc_.nodes; ++i)
    if (running(i)) {
      scans.push_back(nodes_[i].server->scan(""));
      who.push_back(i);
    }
  for (std::size_t k = 0; k < scans.size(); ++k)
    for (auto& u : scans[k]) {
      auto& row = by_path[u.path];
      row.resize(scans.size(), nullptr);
      row[k] = &u;
    }
  std::string out;
  int shown = 0, differ = 0;
  for (auto& [path, row] : by_path) {
    bool same = true;
    for (auto* u : row)
      same = same && u && *u == *row.front();
    if (same || ++differ > 5)
      continue;
    out += "\n  " + path + ":";
    for (std::size_t k = 0; k < row.size(); ++k) {
      out += " node " + std::to_string(who[k]) + " ";
      out += row[k] ? row[k]->value.substr(0, 40) + " (" + row[k]->origin
                        + " " + stamp_text(row[k]->time) + ")"
                    : std::string("absent");
      out += k + 1 < row.size() ? "," : "";
    }
    if (auto* w = acked_.winner(path))
      out += "; acknowledged: " + w->value.substr(0, 40) + " (" + w->origin
             + " " + stamp_text(w->time) + ")";
    ++shown;
  }
  if (differ > shown)
    out += "\n  and " + std::to_string(differ - shown) + " more paths";
  return differ ? "paths that differ:" + out : "";
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

std::string runner::check_acknowledged(bool deletes_only) const {
  std::vector<std::vector<update>> scans;
  std::vector<std::string> names;
  hlc_time horizon = 0;
  uint64_t tombstones = 0, collected = 0, dropped = 0;
  for (int i = 0; i < sc_.nodes; ++i) {
    if (!running(i))
      continue;
    auto& server = *nodes_[i].server;
    auto st = server.stats(); // before the scan: a horizon only grows
    horizon = std::max<hlc_time>(horizon, st.horizon);
    tombstones += st.tombstones;
    collected += st.tombstones_collected;
    dropped += st.dropped_by_horizon;
    scans.push_back(server.scan(""));
    names.push_back("node " + std::to_string(i));
  }
  auto v = acked_.verify(scans, names, horizon, deletes_only);
  if (!v.failure.empty())
    throw step_failed(deletes_only ? "a deleted path is back: " + v.failure
                                   : "acknowledged writes lost: " + v.failure);
  auto nodes = std::to_string(scans.size()) + " nodes";
  if (deletes_only)
    return std::to_string(v.deletes) + " deleted paths absent on " + nodes
           + "; tombstones held " + std::to_string(tombstones)
           + ", collected " + std::to_string(collected)
           + ", updates dropped by a horizon " + std::to_string(dropped)
           + "; largest horizon " + horizon_age(horizon);
  auto note = std::to_string(acked_.paths()) + " paths on " + nodes;
  if (v.collected > 0)
    note += "; " + std::to_string(v.collected)
            + " values collected by the horizon";
  // Of the writes in flight at crashes, how many were kept though never
  // acknowledged, and how many were dropped (never committed).
  int sent = 0, acknowledged = 0, kept = 0;
  for (auto& c : crashes_) {
    sent += c.sent;
    acknowledged += c.acknowledged;
    if (!scans.empty())
      for (auto& u : scans.front())
        kept += u.path.compare(0, c.prefix.size(), c.prefix) == 0;
  }
  if (sent > 0)
    note += "; of " + std::to_string(sent) + " writes in flight at crashes "
            + std::to_string(acknowledged) + " acknowledged, "
            + std::to_string(std::max(0, kept - acknowledged))
            + " kept unacknowledged, "
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
