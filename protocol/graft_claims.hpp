#pragma once
// Which announced updates some link of this node is grafting now, shared by
// the node's peer actors (thread-safe). An update announced by several lazy
// links is grafted from one of them at a time (Plumtree grafts the first
// announcer, then the next after a while): grafting all at once would make
// every one of those links eager, and the duplicate payloads would prune
// them again, over and over.
#include "protocol/wire.hpp"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace p2p {

class graft_claims {
public:
  using time_point = std::chrono::steady_clock::time_point;

  /// `hold`: how long a claim stands before another link may graft the
  /// same update; `max_entries`: past it, claims that stand no longer are
  /// dropped (and, if all stand, the oldest half).
  explicit graft_claims(std::chrono::milliseconds hold,
                        std::size_t max_entries = 1 << 16);

  /// True when `id` is not claimed now: the caller grafts it, and it is
  /// claimed until now + hold.
  bool claim(const wire::item_id& id, time_point now);

  std::size_t size() const;

private:
  static uint64_t key(const wire::item_id& id);
  void trim(time_point now);

  std::chrono::milliseconds hold_;
  std::size_t max_entries_;
  mutable std::mutex mtx_;
  std::unordered_map<uint64_t, time_point> until_;
};

} // namespace p2p
