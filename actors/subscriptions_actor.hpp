#pragma once
// Prefix subscriptions: who wants to hear about changes at or below a path.
// A subscription to `p` sees `p` and everything under `p/`; the empty prefix
// sees everything. Delivery is a plain asynchronous send, so a slow
// subscriber grows only its own mailbox and never stalls a write; a
// subscriber that terminates is dropped (monitored). Event streams (SSE)
// subscribe as stream subscribers: they get one shared, preformatted event
// per change however many of them there are, not a copy each.
#include "actors/messages.hpp"

#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

namespace p2p {

class stream_budget;
class stream_event; // stream_event.hpp

/// Shared by every stream subscriber it goes to; never modified.
using shared_stream_event = std::shared_ptr<const stream_event>;

} // namespace p2p

// Local only (never serialized).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(p2p::shared_stream_event)

namespace p2p {

/// What an event stream receives: the same per change.
using stream_subscriber =
  caf::typed_actor<caf::reacts_to<shared_stream_event>>;

/// subscribe replies with an id to unsubscribe with.
using subscriptions_actor = caf::typed_actor<
  caf::reacts_to<publish_atom, change>,
  caf::replies_to<subscribe_atom, std::string, subscriber_actor>::with<uint64_t>,
  caf::replies_to<subscribe_atom, std::string, stream_subscriber>::with<uint64_t>,
  caf::reacts_to<unsubscribe_atom, uint64_t>>;

struct subscriptions_state {
  static inline const char* name = "p2p.subscriptions";

  struct entry {
    std::string prefix;
    subscriber_actor who;      // one of these two
    stream_subscriber stream;
  };

  uint64_t next_id = 1;
  std::unordered_map<uint64_t, entry> by_id;
  // prefix (without trailing '/') -> ids; a change at a/b/c looks up "",
  // "a", "a/b" and "a/b/c": cost grows with path depth, not subscriber count.
  std::unordered_multimap<std::string, uint64_t> by_prefix;
  std::atomic<int64_t>* gauge = nullptr; // subscriber count for /metrics
  std::shared_ptr<stream_budget> budget;  // charged for stream events

  uint64_t add(std::string prefix, entry e);
  void remove(uint64_t id);
};

/// `budget` (may be null) is charged for the events made for streams.
subscriptions_actor::behavior_type
subscriptions_impl(subscriptions_actor::stateful_pointer<subscriptions_state> self,
                   std::atomic<int64_t>* subscriber_gauge,
                   std::shared_ptr<stream_budget> budget);

} // namespace p2p
