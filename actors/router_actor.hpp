#pragma once
// The router: the node's front door for writes. It validates and stamps
// local writes (hybrid clock, origin), applies them through the store's
// last-write-wins, and hands every change that altered the store to the
// subscriptions (and, with peer links, to the peers). Its typed interface is
// the API a CAF application talks to.
#include "actors/hooks.hpp"
#include "actors/link/link_types.hpp"
#include "actors/messages.hpp"
#include "actors/pending_writes.hpp"
#include "actors/store_actor.hpp"
#include "actors/subscriptions_actor.hpp"
#include "p2psync/hlc.hpp"
#include "protocol/schema_set.hpp"
#include "protocol/seen_cache.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/expected.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace p2p {

class database;

/// A write from a caller that is not an actor (an HTTP session): the router
/// answers by calling `done` (on the router's thread; it must only hand the
/// result on) instead of replying, which saves a short-lived actor and a
/// request timeout per write.
struct write_command {
  bool is_delete = false;
  std::string path;
  std::string json; // the value, for a put
  std::function<void(caf::expected<update>)> done;
};
struct node_metrics;

/// What node_actor (p2psync/node_actor.hpp) takes, and the node's own:
/// write_command: a put or delete answered through a callback;
/// remote (batch from a peer) -> how many changed the store; peer_up (who):
/// tell `who` whenever the change log grows; flush: internal.
/// reconcile (a reconciling peer's inventory page) -> how many entries it
/// removed here (subscribers see them deleted; peers are not sent them);
/// horizon (stamp): adopts a reconciled peer's horizon.
using router_actor = node_actor::extend<
  caf::reacts_to<write_command>,
  caf::replies_to<remote_atom, write_batch>::with<uint64_t>,
  caf::replies_to<reconcile_atom, absent_page>::with<uint64_t>,
  caf::reacts_to<horizon_atom, hlc_time>,
  caf::reacts_to<peer_up_atom, peer_actor>,
  caf::reacts_to<caf::flush_atom>>;

struct router_state {
  static inline const char* name = "p2p.router";

  std::shared_ptr<database> db;
  store_actor store;
  subscriptions_actor subscriptions;
  node_metrics* metrics = nullptr;
  hybrid_clock clock;
  std::string node_id;
  seen_cache seen{1 << 17};
  std::vector<peer_actor> peers;
  bool log_pending = false; // a flush to the peers is queued
  std::shared_ptr<const node_hooks> hooks; // never null
  schema_set schemas;                      // compiled, as kept in the db
  pending_writes pending; // local writes the store has not answered yet
};

struct router_deps {
  std::shared_ptr<database> db;
  store_actor store;
  subscriptions_actor subscriptions;
  node_metrics* metrics;
  std::shared_ptr<const node_hooks> hooks; // null: none
};

router_actor::behavior_type
router_impl(router_actor::stateful_pointer<router_state> self,
            router_deps deps);

} // namespace p2p

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(p2p::write_command)
