#pragma once
// When a link of this node may graft an announced update, shared by the
// node's peer actors (thread-safe).
// - One link at a time: an update announced by several lazy links is
//   grafted from one of them, the next only after `hold` (Plumtree grafts
//   the first announcer, then the next after a while); grafting from all at
//   once would make every one of those links eager, and the duplicate
//   payloads would prune them again, over and over.
// - Not while the eager path is merely slow: links are reliable and
//   ordered, so while a push link still delivers updates of the update's
//   origin, the missing one is on its way behind them (a deep tree under
//   load); grafting it would only make a cycle. A path that went quiet for
//   `quiet` has broken; and after max_wait the update is grafted anyway.
#include "protocol/wire.hpp"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace p2p {

class graft_claims {
public:
  using time_point = std::chrono::steady_clock::time_point;

  static constexpr std::chrono::milliseconds default_hold{1000};
  static constexpr std::chrono::milliseconds quiet{500};
  static constexpr std::chrono::milliseconds max_wait{3000};

  /// `max_entries`: past it, claims that stand no longer are dropped (and,
  /// if all stand, the oldest half).
  explicit graft_claims(std::chrono::milliseconds hold = default_hold,
                        std::size_t max_entries = 1 << 16);

  /// True when `id`, missing for `waited`, should be grafted now (see
  /// above); it is then claimed until now + hold.
  bool claim(const wire::item_id& id, time_point now,
             std::chrono::milliseconds waited);

  /// Updates of `origin` arrived by a push (eager) link.
  void arrived(const std::string& origin, time_point now);

  std::size_t size() const;

private:
  static uint64_t key(const wire::item_id& id);
  void trim(time_point now);

  std::chrono::milliseconds hold_;
  std::size_t max_entries_;
  mutable std::mutex mtx_;
  std::unordered_map<uint64_t, time_point> until_;
  std::unordered_map<std::string, time_point> last_push_; // by origin
};

} // namespace p2p
