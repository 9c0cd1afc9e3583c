#pragma once
// What a simulation's nodes acknowledged: per path the winning write by
// last-write-wins, so a check can tell whether a node lost one. Writes that
// were never acknowledged (in flight at a crash) are not here: they may or
// may not have landed.
#include "protocol/update.hpp"

#include <map>
#include <string>
#include <vector>

namespace p2p::sim {

class ledger {
public:
  /// Notes an acknowledged write or delete (a delete's value is "null").
  void acknowledged(const update& u);
  std::size_t paths() const {
    return winners_.size();
  }
  /// Compares a node's live entries (a full scan) with the winners: empty
  /// when every winning value is there with its stamp and origin and every
  /// winning delete is absent; else what differs (the first few paths).
  std::string compare(const std::vector<update>& live) const;

private:
  std::map<std::string, update> winners_;
};

} // namespace p2p::sim
