#pragma once
// Prefix subscriptions: who wants to hear about changes at or below a path.
// A subscription to `p` sees `p` and everything under `p/`; the empty prefix
// sees everything. Delivery is a plain asynchronous send, so a slow
// subscriber grows only its own mailbox and never stalls a write; a
// subscriber that terminates is dropped (monitored).
#include "actors/messages.hpp"

#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <atomic>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace p2p {

/// What a subscriber receives: one message per applied change.
using subscriber_actor = caf::typed_actor<caf::reacts_to<change>>;

/// subscribe replies with an id to unsubscribe with.
using subscriptions_actor = caf::typed_actor<
  caf::reacts_to<publish_atom, change>,
  caf::replies_to<subscribe_atom, std::string, subscriber_actor>::with<uint64_t>,
  caf::reacts_to<unsubscribe_atom, uint64_t>>;

struct subscriptions_state {
  static inline const char* name = "p2p.subscriptions";

  struct entry {
    std::string prefix;
    subscriber_actor who;
  };

  uint64_t next_id = 1;
  std::unordered_map<uint64_t, entry> by_id;
  // prefix (without trailing '/') -> ids; a change at a/b/c looks up "",
  // "a", "a/b" and "a/b/c": cost grows with path depth, not subscriber count.
  std::unordered_multimap<std::string, uint64_t> by_prefix;
  std::atomic<int64_t>* gauge = nullptr; // subscriber count for /metrics

  void remove(uint64_t id);
};

subscriptions_actor::behavior_type
subscriptions_impl(subscriptions_actor::stateful_pointer<subscriptions_state> self,
                   std::atomic<int64_t>* subscriber_gauge);

} // namespace p2p
