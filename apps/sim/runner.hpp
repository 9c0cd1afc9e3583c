#pragma once
// Runs a scenario: its nodes live in this process, each a P2PServer with its
// own LMDB store and loopback port, linked by the same WebSocket links as
// real nodes, all in one actor system.
#include "p2psync/server.hpp"
#include "apps/sim/ledger.hpp"
#include "apps/sim/scenario.hpp"

#include <memory>
#include <string>
#include <vector>

namespace caf {
class actor_system;
}

namespace p2p::sim {

struct step_report {
  std::string name;
  bool ok = true;
  std::string error;
  double ms = 0;
  std::string note; // what an ok step measured, for the report
  uint64_t updates_sent = 0; // over all links during the step
  uint64_t bytes_sent = 0;
  uint64_t announcements_sent = 0; // ids on lazy links (tree broadcast)
  uint64_t announcement_bytes = 0; // their frames' bytes (in bytes_sent)
  uint64_t grafts = 0, prunes = 0;
};

class runner {
public:
  runner(caf::actor_system& sys, scenario sc, std::string workdir);
  ~runner();

  /// Starts every node and waits for every link; false (and `why`) on failure.
  bool start(std::string& why);

  /// Runs one step; the report says whether it held.
  step_report run(const step& s);

private:
  struct node {
    server_options options;
    std::unique_ptr<P2PServer> server;
    std::string id; // kept in its db, so the same after a restart
  };

  bool running(int i) const;
  P2PServer& at(int i, const char* action);
  node_stats totals() const;
  void write_bulk(const step& s);
  void write_or_delete(const step& s);
  std::string crash(const step& s);
  void check(const step& s);
  /// Every acknowledged write holds on every running node (a value only
  /// below the largest horizon may be gone from all: collected), and every
  /// winning delete is absent (only that when `deletes_only`).
  std::string check_acknowledged(bool deletes_only) const;
  std::string check_links(const step& s);
  /// Node ids `i` must refuse under the current partition (down nodes too).
  std::vector<std::string> blocked_for(int i) const;
  bool converged() const;
  std::string describe() const;
  std::string differences() const;
  std::string do_step(const step& s);

  caf::actor_system& sys_;
  scenario sc_;
  std::string workdir_;
  std::vector<node> nodes_;
  std::vector<int> group_of_; // partition group per node; -1: not in one
  ledger acked_;
  struct in_flight {
    std::string prefix;
    int sent = 0, acknowledged = 0;
  };
  std::vector<in_flight> crashes_; // writes left in flight at crashes
};

} // namespace p2p::sim
