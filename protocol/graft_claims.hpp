#pragma once
// Which announced updates some link of this node is grafting now, shared by
// the node's peer actors (thread-safe). An update announced by several lazy
// links is grafted from one of them at a time (Plumtree grafts the first
// announcer, then the next after a while): grafting all at once would make
// every one of those links eager, and the duplicate payloads would prune
// them again, over and over.
//
// It also keeps the node's graft delay. Links are reliable and ordered: a
// payload is late only when its eager path broke, or when that path is
// merely slower than the announcements (a deep tree under load). Grafting
// the merely slow makes cycles that duplicates prune again, so the delay
// follows how late payloads come without a graft (an average, as TCP's
// retransmission timer follows round trips), within [base, cap].
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

  /// `hold`: how long a claim stands before another link may graft the
  /// same update; `max_entries`: past it, claims that stand no longer are
  /// dropped (and, if all stand, the oldest half).
  explicit graft_claims(std::chrono::milliseconds hold,
                        std::size_t max_entries = 1 << 16);

  /// True when `id` should be grafted now: not claimed by another link,
  /// and nothing from its origin came by a push link for a delay() (a path
  /// that still delivers that origin's updates is slow, not broken: its
  /// updates arrive in order, so this one is on its way). It is then
  /// claimed until now + hold.
  bool claim(const wire::item_id& id, time_point now);

  /// Updates of `origin` arrived by a push (eager) link.
  void arrived(const std::string& origin, time_point now);

  std::size_t size() const;

  /// An announced update arrived `lag` after its announcement, ungrafted.
  void note_lag(std::chrono::milliseconds lag);
  /// How long to wait for a payload before grafting: 3 x the average lag.
  std::chrono::milliseconds delay() const;

  static constexpr std::chrono::milliseconds base_delay{200};
  static constexpr std::chrono::milliseconds max_delay{5000};

private:
  static uint64_t key(const wire::item_id& id);
  std::chrono::milliseconds current_delay() const; // mtx_ held
  void trim(time_point now);

  std::chrono::milliseconds hold_;
  std::size_t max_entries_;
  mutable std::mutex mtx_;
  std::unordered_map<uint64_t, time_point> until_;
  std::unordered_map<std::string, time_point> last_push_; // by origin
  double average_lag_ms_ = 0;
};

} // namespace p2p
