#pragma once
// The facade's callback subscriptions: one small actor per callback, kept
// until its unsubscribe function runs, the actor ends by itself (its
// callback threw) or the server closes. Callers subscribe and unsubscribe
// from any thread, so every access takes the lock.
#include "actors/router_actor.hpp"
#include "actors/subscriptions_actor.hpp"

#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace p2p {

class callback_subscriptions {
public:
  explicit callback_subscriptions(router_actor router);

  /// Keeps `who`, subscribed at the router as `id`; false (keeping
  /// nothing) once closed.
  bool add(uint64_t id, subscriber_actor who);
  /// Ends subscription `id`: the router forgets it and its actor stops.
  /// Idempotent; nothing happens after close() (the router is gone).
  void cancel(uint64_t id);
  /// Drops `id` without messages: its actor has ended.
  void forget(uint64_t id);
  /// Stops every callback actor and refuses new ones.
  void close();
  /// Subscriptions kept now.
  std::size_t size() const;

private:
  mutable std::mutex mtx_;
  bool open_ = true;
  router_actor router_; // null once closed: no handle outlives the server
  std::unordered_map<uint64_t, subscriber_actor> by_id_;
};

} // namespace p2p
