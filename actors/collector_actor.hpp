#pragma once
// The tombstone collector: past the TTL a delete's tombstone has reached
// every node that was up (the operator's promise, as Cassandra's
// gc_grace_seconds), so it is removed. A pass runs every TTL/2 (at most
// every 100 ms, at least every minute), in small transactions through the
// store (each rides along with a commit of writes, or holds the writer for
// a few milliseconds). The store raises the horizon past what it removed
// (database_tombstones.cpp).
//
// A horizon claims "every write older than this reached me". A node cut off
// from its peers cannot claim that for the time it was away, so while it
// has no link (and until it has been linked for a while again, to catch up)
// it collects nothing stamped after it was last in contact; a node with
// seeds that never reached one collects nothing. Tombstones a linked peer
// has not yet been sent stay, too.
#include "actors/messages.hpp"
#include "actors/store_actor.hpp"

#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

namespace p2p {

class link_table;

/// tick: start a pass unless one runs; collect: the pass's next
/// transaction (internal).
using collector_actor = caf::typed_actor<caf::reacts_to<tick_atom>,
                                         caf::reacts_to<collect_atom>>;

struct collector_deps {
  store_actor store;
  std::shared_ptr<database> db;      // the contact time is kept there
  std::shared_ptr<link_table> links; // links up, what each was sent
  std::chrono::milliseconds ttl{0};
  bool has_seeds = false; // --peer given: it is meant to be linked
};

struct collector_state {
  static inline const char* name = "p2p.collector";

  collector_deps deps;
  bool collecting = false; // a pass is under way
  collect_request step;    // this pass's cutoff and seq limit
  // Wall ms: the last time this node was linked and settled (persisted),
  // and since when it is linked now (none: no link up).
  uint64_t contact_ms = 0;
  std::optional<uint64_t> linked_since_ms;
};

/// How often a pass starts for `ttl`: TTL/2, at most a minute, at least
/// 100 ms.
std::chrono::milliseconds collection_interval(std::chrono::milliseconds ttl);

/// The cutoff (wall ms) a pass may collect below, from the contact rule
/// above: none when it may collect nothing.
std::optional<uint64_t> collection_cutoff_ms(uint64_t now_ms, uint64_t ttl_ms,
                                             bool linked_settled,
                                             uint64_t contact_ms,
                                             bool has_seeds);

collector_actor::behavior_type
collector_impl(collector_actor::stateful_pointer<collector_state> self,
               collector_deps deps);

} // namespace p2p
