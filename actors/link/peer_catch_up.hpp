#pragma once
// The peer actor's catch-up and streaming of our change log (see
// peer_actor.hpp). Internal to the peer actor's files.
#include "actors/link/peer_actor.hpp"
#include "p2psync/log.hpp"

#include <string>

namespace p2p::catch_up {

using self_ptr = peer_actor::stateful_pointer<peer_state>;

/// The other node's sync: stream our log from its checkpoint, or only
/// what its sketch says it lacks, or (a checkpoint past our log) all.
void on_sync(self_ptr self, const wire::sync& s);

/// Sends what the window allows of the sketch's backlog and our log.
void pump(self_ptr self);

/// Our sync asking from `since`; with none (0), a sketch of what we hold.
wire::sync sync_request(const peer_state& st, uint64_t since);

/// The link is up and our sync asks from `since`: the other node's
/// catch-up starts (link_row's catch-up fields, for /ready).
void catch_up_started(peer_state& st, uint64_t since);

/// A run of the other node's arrived; true when it is short of a full run
/// (the other node had reached the end of its log).
bool run_arrived(peer_state& st, const wire::changes& c);

/// That run was applied.
void run_applied(peer_state& st, bool tail);

/// One warning on stderr about this link, whole: `what` is fixed text,
/// anything the peer sent goes in `fields` (never in the message).
void log_line(const peer_state& st, const char* what,
              std::initializer_list<log::field> fields = {});

} // namespace p2p::catch_up
