#pragma once
// The peer actor's tree broadcast (Plumtree over the change-log stream,
// a tree per origin): a run carries the payloads of the origins this link
// is eager for and only the ids of the others; a duplicate payload prunes
// its origin on this link to lazy; an announced update not received in
// time is grafted. Acks wait until what a run announced is
// held (inbound_runs), so checkpoints never pass a missing update.
// Internal to peer_actor.cpp and peer_broadcast.cpp.
#include "actors/link/peer_actor.hpp"

namespace p2p::broadcast {

using self_ptr = peer_actor::stateful_pointer<peer_state>;

/// A text frame to the other node on this link; closing this link.
void send_frame(self_ptr self, std::string text);
void close_link(self_ptr self, const std::string& why);

/// A new link: both sides eager, nothing waiting.
void reset(peer_state& st, bool remote_speaks_tree);

/// The link is gone: it pushes nothing here any more.
void link_ended(peer_state& st);

/// Sends one run of our log: its payloads, or its ids on a lazy link.
void send_run(self_ptr self, wire::changes run);

/// A `changes` run arrived: applies it, acknowledges in order, prunes the
/// link on a duplicate.
void on_changes(self_ptr self, wire::changes& c);
void on_graft(self_ptr self, wire::graft& g);
void on_prune(self_ptr self, wire::prune& p);
void on_payload(self_ptr self, wire::payload& p);
/// The graft timer, or anything applied here: announced ids now held
/// release their runs' acks; those still missing in time are grafted.
void check_announced(self_ptr self);

/// "tree" or "flood", for /peers.
const char* mode_name(const peer_state& st);

} // namespace p2p::broadcast
