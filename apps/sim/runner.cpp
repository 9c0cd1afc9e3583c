#include "apps/sim/runner.hpp"
#include "apps/sim/step_failed.hpp"

#include "apps/example_support.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <set>
#include <stdexcept>
#include <thread>

namespace p2p::sim {

namespace {

using clock_type = std::chrono::steady_clock;

template <class Pred>
bool wait_until(Pred ready, int64_t deadline_ms) {
  return examples::wait_until(ready, std::chrono::milliseconds(deadline_ms),
                              std::chrono::milliseconds(20));
}

std::string url_of(const P2PServer& s) {
  return "http://127.0.0.1:" + std::to_string(s.port());
}

} // namespace

runner::runner(caf::actor_system& sys, scenario sc, std::string workdir)
  : sys_(sys), sc_(std::move(sc)), workdir_(std::move(workdir)) {
}

runner::~runner() {
  for (auto& n : nodes_)
    if (n.server)
      n.server->close();
}

bool runner::running(int i) const {
  return nodes_[i].server != nullptr;
}

P2PServer& runner::at(int i, const char* action) {
  if (!running(i))
    throw step_failed("node " + std::to_string(i) + " is down: cannot "
                      + action);
  return *nodes_[i].server;
}

bool runner::start(std::string& why) {
  nodes_.resize(sc_.nodes);
  group_of_.assign(sc_.nodes, -1);
  // Of each edge, the higher index dials the lower, so targets start first.
  std::vector<std::vector<int>> dials(sc_.nodes);
  for (auto [a, b] : sc_.edges)
    dials[std::max(a, b)].push_back(std::min(a, b));
  try {
    for (int i = 0; i < sc_.nodes; ++i) {
      auto& o = nodes_[i].options;
      o.port = 0;
      o.io_threads = 1;
      o.db_path = workdir_ + "/node" + std::to_string(i);
      // One secret for all: only authenticated links teach addresses.
      o.secret = "p2p-sim cluster secret";
      o.peer_exchange = sc_.links.exchange;
      o.min_links = static_cast<std::size_t>(sc_.links.min_links);
      o.max_links = static_cast<std::size_t>(sc_.links.max_links);
      o.broadcast_tree = sc_.links.tree;
      if (!sc_.tombstone_ttl.empty())
        o.tombstone_ttl = sc_.tombstone_ttl[i];
      for (int target : dials[i])
        o.peers.push_back(url_of(*nodes_[target].server));
      nodes_[i].server = std::make_unique<P2PServer>(sys_, o);
      nodes_[i].server->start();
      o.port = nodes_[i].server->port(); // a restart comes back here
      nodes_[i].id = nodes_[i].server->server_id();
    }
  } catch (const std::exception& e) {
    why = std::string("starting the nodes: ") + e.what();
    return false;
  }
  std::vector<std::size_t> degree(sc_.nodes, 0);
  std::set<edge> distinct;
  for (auto [a, b] : sc_.edges)
    if (distinct.emplace(std::min(a, b), std::max(a, b)).second)
      ++degree[a], ++degree[b];
  // With peer exchange a node may shed the links drawn (a hub of seeds
  // keeps at most max_links): then each node needs one link to begin.
  if (sc_.links.exchange)
    for (auto& d : degree)
      d = std::min<std::size_t>(d, 1);
  if (!wait_until(
        [&] {
          for (int i = 0; i < sc_.nodes; ++i)
            if (nodes_[i].server->connected_peers() < degree[i])
              return false;
          return true;
        },
        60000)) {
    why = "not every link came up within 60 s";
    return false;
  }
  return true;
}

node_stats runner::totals() const {
  node_stats sum;
  for (auto& n : nodes_) {
    if (!n.server)
      continue;
    auto s = n.server->stats();
    sum.updates_sent += s.updates_sent;
    sum.link_bytes_sent += s.link_bytes_sent;
    sum.announcements_sent += s.announcements_sent;
    sum.announcement_bytes_sent += s.announcement_bytes_sent;
    sum.grafts_sent += s.grafts_sent;
    sum.prunes_sent += s.prunes_sent;
  }
  return sum;
}

std::vector<std::string> runner::blocked_for(int i) const {
  std::vector<std::string> out;
  for (int j = 0; j < sc_.nodes; ++j)
    if (group_of_[i] >= 0 && group_of_[j] >= 0 && group_of_[i] != group_of_[j])
      out.push_back(nodes_[j].id);
  return out;
}

std::string runner::do_step(const step& s) {
  switch (s.what) {
    case step::write:
    case step::remove:
      write_or_delete(s);
      return "";
    case step::bulk:
      write_bulk(s);
      return "";
    case step::wait_converged:
      if (!wait_until([&] { return converged(); }, s.deadline_ms))
        throw step_failed("not converged within "
                          + std::to_string(s.deadline_ms) + " ms; "
                          + describe() + "\n" + differences());
      return "";
    case step::stop:
      at(s.node, "stop").close();
      nodes_[s.node].server.reset();
      return "";
    case step::crash:
      return crash(s);
    case step::restart: {
      if (running(s.node))
        throw step_failed("node " + std::to_string(s.node) + " is running");
      auto& n = nodes_[s.node];
      n.server = std::make_unique<P2PServer>(sys_, n.options);
      n.server->start();
      // Its partition still holds: the others refuse it already, and it
      // refuses them (a link it dialled first is cut).
      if (auto blocked = blocked_for(s.node); !blocked.empty())
        n.server->block_links(blocked);
      return "";
    }
    case step::partition:
    case step::heal:
      group_of_.assign(sc_.nodes, -1);
      for (std::size_t g = 0; g < s.groups.size(); ++g)
        for (int i : s.groups[g])
          group_of_[i] = static_cast<int>(g);
      for (int i = 0; i < sc_.nodes; ++i)
        if (running(i))
          nodes_[i].server->block_links(blocked_for(i));
      return "";
    case step::flap: {
      auto& server = at(s.node, "flap");
      std::vector<std::string> everyone;
      for (int j = 0; j < sc_.nodes; ++j)
        if (j != s.node)
          everyone.push_back(nodes_[j].id);
      server.block_links(everyone);
      server.block_links(blocked_for(s.node));
      return "";
    }
    case step::check:
      check(s);
      return "";
    case step::check_identical:
      if (!converged())
        throw step_failed("the running nodes do not hold identical data; "
                          + differences());
      return "";
    case step::check_acknowledged:
      return check_acknowledged(false);
    case step::check_absent:
      return check_acknowledged(true);
    case step::sleep: // a scenario's action: time passes, TTLs run out
      std::this_thread::sleep_for(std::chrono::milliseconds(s.for_ms));
      return "";
    case step::check_links:
      return check_links(s);
  }
  return "";
}

step_report runner::run(const step& s) {
  step_report r;
  r.name = s.name;
  auto before = totals();
  auto t0 = clock_type::now();
  try {
    r.note = do_step(s);
  } catch (const std::exception& e) {
    r.ok = false;
    r.error = e.what();
  }
  r.ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0)
           .count();
  auto after = totals();
  // Counters of a node that stopped or restarted during the step are gone;
  // the sums are then a lower bound.
  r.updates_sent = after.updates_sent > before.updates_sent
                     ? after.updates_sent - before.updates_sent
                     : 0;
  r.bytes_sent = after.link_bytes_sent > before.link_bytes_sent
                   ? after.link_bytes_sent - before.link_bytes_sent
                   : 0;
  r.announcements_sent =
    after.announcements_sent > before.announcements_sent
      ? after.announcements_sent - before.announcements_sent
      : 0;
  auto delta = [](uint64_t a, uint64_t b) { return a > b ? a - b : 0; };
  r.grafts = delta(after.grafts_sent, before.grafts_sent);
  r.prunes = delta(after.prunes_sent, before.prunes_sent);
  r.announcement_bytes =
    after.announcement_bytes_sent > before.announcement_bytes_sent
      ? after.announcement_bytes_sent - before.announcement_bytes_sent
      : 0;
  return r;
}

} // namespace p2p::sim
