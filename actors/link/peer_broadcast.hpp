#pragma once
// The peer actor's tree broadcast (Plumtree over the change-log stream):
// runs go out as payloads on eager links and as ids (`ihave`) on lazy
// ones; a duplicate payload prunes a link to lazy; an announced update not
// received in time is grafted. Acks wait until what a run announced is
// held (inbound_runs), so checkpoints never pass a missing update.
// Internal to peer_actor.cpp and peer_broadcast.cpp.
#include "actors/link/peer_actor.hpp"

namespace p2p::broadcast {

using self_ptr = peer_actor::stateful_pointer<peer_state>;

/// A new link: both sides eager, nothing waiting.
void reset(peer_state& st, bool remote_speaks_tree);

/// The link is gone: it pushes nothing here any more.
void link_ended(peer_state& st);

/// Sends one run of our log: its payloads, or its ids on a lazy link.
void send_run(self_ptr self, wire::changes run);

/// A `changes` run arrived: applies it, acknowledges in order, prunes the
/// link on a duplicate.
void on_changes(self_ptr self, wire::changes& c);
void on_ihave(self_ptr self, wire::ihave& h);
void on_graft(self_ptr self, wire::graft& g);
void on_prune(self_ptr self);
void on_payload(self_ptr self, wire::payload& p);
/// The graft timer, or anything applied here: announced ids now held
/// release their runs' acks; those still missing in time are grafted.
void check_announced(self_ptr self);

/// "eager", "lazy" or "flood", for /peers.
const char* mode_name(const peer_state& st);

} // namespace p2p::broadcast
