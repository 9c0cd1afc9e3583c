#pragma once
// What a simulation's nodes acknowledged: per path the winning write by
// last-write-wins, so a check can tell whether a node lost one. Writes that
// were never acknowledged (in flight at a crash) are not here: they may or
// may not have landed.
#include "p2psync/update.hpp"

#include <map>
#include <string>
#include <vector>

namespace p2p::sim {

/// What a ledger check found over the running nodes.
struct ledger_verdict {
  std::string failure;       // empty when it held; else the first few paths
  std::size_t values = 0;    // winning values every node holds
  std::size_t deletes = 0;   // winning deletes absent on every node
  std::size_t collected = 0; // winning values on no node, below the horizon
};

class ledger {
public:
  /// Notes an acknowledged write or delete (a delete's value is "null").
  void acknowledged(const update& u);
  std::size_t paths() const {
    return winners_.size();
  }
  /// The winning acknowledged write of a path, or null.
  const update* winner(const std::string& path) const {
    auto it = winners_.find(path);
    return it == winners_.end() ? nullptr : &it->second;
  }
  /// The paths that must be absent: those whose winning write is a delete.
  std::size_t deletes() const;

  /// Checks the running nodes' live entries (`live[i]`: a full scan of the
  /// node called `names[i]`): every winning delete must be absent on every
  /// node (no resurrection) and, unless `deletes_only`, every winning value
  /// held with its stamp and origin on every node. A winning value may be
  /// missing on all of them only when stamped below `horizon` (the largest
  /// horizon of the nodes): it was taken as deleted and collected (written
  /// on a side cut off for longer than the TTL); those are counted.
  ledger_verdict verify(const std::vector<std::vector<update>>& live,
                        const std::vector<std::string>& names,
                        hlc_time horizon, bool deletes_only = false) const;

private:
  std::map<std::string, update> winners_;
};

} // namespace p2p::sim
