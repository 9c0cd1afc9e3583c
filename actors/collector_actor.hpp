#pragma once
// The tombstone collector: past the TTL a delete's tombstone has reached
// every node that was up (the operator's promise, as Cassandra's
// gc_grace_seconds), so it is removed. A pass runs at least every TTL/2 and
// every minute, in small transactions through the store (each holds the
// writer for a few milliseconds; writes queued meanwhile go first). The
// store raises the horizon past what it removed (database_tombstones.cpp).
#include "actors/messages.hpp"
#include "actors/store_actor.hpp"

#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <cstdint>

namespace p2p {


/// tick: start a pass unless one runs; collect: the pass's next
/// transaction (internal).
using collector_actor = caf::typed_actor<caf::reacts_to<tick_atom>,
                                         caf::reacts_to<collect_atom>>;

struct collector_state {
  static inline const char* name = "p2p.collector";

  store_actor store;
  std::chrono::milliseconds ttl{0};
  bool collecting = false; // a pass is under way
  hlc_time cutoff = 0;     // this pass removes tombstones stamped below
};

/// How often a pass starts for `ttl`: TTL/2, at most a minute, at least
/// 100 ms.
std::chrono::milliseconds collection_interval(std::chrono::milliseconds ttl);

collector_actor::behavior_type
collector_impl(collector_actor::stateful_pointer<collector_state> self,
               store_actor store, std::chrono::milliseconds ttl);

} // namespace p2p
