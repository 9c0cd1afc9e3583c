#include "apps/sim/runner.hpp"

#include "apps/example_support.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <set>
#include <stdexcept>
#include <thread>

namespace p2p::sim {

namespace {

using clock_type = std::chrono::steady_clock;

struct step_failed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

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
      for (int target : dials[i])
        o.peers.push_back(url_of(*nodes_[target].server));
      nodes_[i].server = std::make_unique<P2PServer>(sys_, o);
      nodes_[i].server->start();
      o.port = nodes_[i].server->port(); // a restart comes back here
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
  }
  return sum;
}

// All writes are in flight at once, so group commit batches them.
void runner::write_bulk(const step& s) {
  std::vector<int> targets;
  for (int i = 0; i < sc_.nodes; ++i)
    if (s.node < 0 ? running(i) : i == s.node)
      targets.push_back(i);
  if (targets.empty() || (s.node >= 0 && !running(s.node)))
    throw step_failed("no running node to write to");
  std::string pad(static_cast<std::size_t>(std::max(0, s.value_bytes)), 'x');
  caf::scoped_actor self{sys_};
  for (int i = 0; i < s.count; ++i) {
    auto& server = *nodes_[targets[i % targets.size()]].server;
    self->send(server.router(), put_atom::value, s.prefix + std::to_string(i),
               R"({"i":)" + std::to_string(i) + R"(,"pad":")" + pad + "\"}");
  }
  int answered = 0;
  std::string error;
  self->receive_for(answered, s.count)(
    [](update&) {}, [&](caf::error& e) { error = sys_.render(e); },
    caf::after(std::chrono::seconds(60)) >> [&] { error = "timeout"; });
  if (!error.empty())
    throw step_failed("bulk write failed: " + error);
}

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

void runner::do_step(const step& s) {
  switch (s.what) {
    case step::write:
      at(s.node, "write").put(s.path, s.value);
      return;
    case step::remove:
      at(s.node, "delete").del(s.path);
      return;
    case step::bulk:
      return write_bulk(s);
    case step::wait_converged:
      if (!wait_until([&] { return converged(); }, s.deadline_ms))
        throw step_failed("not converged within "
                          + std::to_string(s.deadline_ms) + " ms; "
                          + describe());
      return;
    case step::stop:
    case step::crash: {
      auto& server = at(s.node, "stop");
      s.what == step::stop ? server.close() : server.crash();
      nodes_[s.node].server.reset();
      return;
    }
    case step::restart: {
      if (running(s.node))
        throw step_failed("node " + std::to_string(s.node) + " is running");
      auto& n = nodes_[s.node];
      n.server = std::make_unique<P2PServer>(sys_, n.options);
      n.server->start();
      return;
    }
    case step::partition:
    case step::heal: {
      std::vector<int> group_of(sc_.nodes, -1);
      for (std::size_t g = 0; g < s.groups.size(); ++g)
        for (int i : s.groups[g])
          group_of[i] = static_cast<int>(g);
      for (int i = 0; i < sc_.nodes; ++i) {
        if (!running(i))
          continue;
        std::vector<std::string> blocked;
        for (int j = 0; j < sc_.nodes; ++j)
          if (running(j) && group_of[i] >= 0 && group_of[j] >= 0
              && group_of[i] != group_of[j])
            blocked.push_back(nodes_[j].server->server_id());
        nodes_[i].server->block_links(blocked);
      }
      return;
    }
    case step::check: {
      auto got = at(s.node, "check").get(s.path);
      auto want_absent = s.value == "null";
      if (want_absent ? got.has_value() : got != s.value)
        throw step_failed("node " + std::to_string(s.node) + " has "
                          + s.path + " = " + got.value_or("(absent)")
                          + ", expected " + s.value);
      return;
    }
    case step::check_identical:
      if (!converged())
        throw step_failed("the running nodes do not hold identical data");
      return;
  }
}

step_report runner::run(const step& s) {
  step_report r;
  r.name = s.name;
  auto before = totals();
  auto t0 = clock_type::now();
  try {
    do_step(s);
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
  return r;
}

} // namespace p2p::sim
