#pragma once
// When a link of this node may graft an announced update, shared by the
// node's peer actors (thread-safe).
// - One link at a time: an update announced by several lazy links is
//   grafted from one of them, the next only after `hold` (Plumtree grafts
//   the first announcer, then the next after a while); grafting from all at
//   once would make every one of those links eager, and the duplicate
//   payloads would prune them again, over and over.
// - Not while the node is busy receiving payloads: links are reliable and
//   ordered, so while push links still deliver, the missing update is most
//   likely queued behind them (a deep tree under load), and grafting it
//   would only make a cycle and add work. Once pushes have been quiet for
//   `quiet`, a missing update's path has broken; after max_wait it is
//   grafted anyway (a path broken while other traffic flows).
#include "protocol/wire.hpp"

#include <chrono>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace p2p {

class graft_claims {
public:
  using time_point = std::chrono::steady_clock::time_point;

  static constexpr std::chrono::milliseconds default_hold{1000};
  static constexpr std::chrono::milliseconds quiet{500};
  static constexpr std::chrono::milliseconds max_wait{5000};

  /// `max_entries`: past it, claims that stand no longer are dropped (and,
  /// if all stand, the oldest half).
  explicit graft_claims(std::chrono::milliseconds hold = default_hold,
                        std::size_t max_entries = 1 << 16);

  /// True when `id`, missing for `waited`, should be grafted now (see
  /// above); it is then claimed until now + hold.
  bool claim(const wire::item_id& id, time_point now,
             std::chrono::milliseconds waited);

  /// Payloads arrived by a push (eager) link.
  void pushed(time_point now);

  std::size_t size() const;

private:
  static uint64_t key(const wire::item_id& id);
  void trim(time_point now);

  std::chrono::milliseconds hold_;
  std::size_t max_entries_;
  mutable std::mutex mtx_;
  std::unordered_map<uint64_t, time_point> until_;
  time_point last_push_{};
};

} // namespace p2p
