#pragma once
// The peer actor's part in tombstone collection (see WIRE.md, "reconcile").
// A node whose sync shows it may hold values whose deletes we collected (its
// checkpoint is below our `reconcile_below` or past our log, or its sketch
// cannot be decoded while we have a horizon) is sent our inventory, page by
// page, then our horizon once it has applied the pages and our log up to
// where it stood. A node that starts empty gets no page, only the horizon:
// it adopts our horizon too. Internal to the peer actor's files.
#include "actors/link/peer_actor.hpp"

#include <optional>

namespace p2p::reconciliation {

using self_ptr = peer_actor::stateful_pointer<peer_state>;

/// What the other node's sync says about it.
struct sync_facts {
  bool holds_nothing = false; // since 0 without a sketch, or past our log
  bool empty = false;         // since 0 without a sketch: it holds nothing
  uint64_t since = 0;
  bool by_sketch = false;
  bool sketch_decoded = false;
};

/// After the other node's sync: starts serving our inventory if it needs it.
void on_sync(self_ptr self, const sync_facts& facts);
/// Our sync asks from nothing: its updates skip our horizon check until it
/// says its picture is complete (our own collection, running meanwhile on
/// the tombstones it sends, must not make us drop the older values behind
/// them).
void on_fresh_sync_sent(peer_state& st);
/// Flow control and log acks may let the serving side move on.
void on_reconciled(self_ptr self);
void on_log_acked(self_ptr self);
/// The receiving side.
void on_page(self_ptr self, wire::reconcile& page);
void on_horizon(self_ptr self, const wire::horizon& h);
/// The checkpoint to write with a run applied through `upto`: none while
/// a reconciliation with the other node runs (it is written when the
/// horizon comes), so that a node cut off mid-way is sent the pages again.
std::optional<uint64_t> checkpoint_of_run(peer_state& st, uint64_t upto);
/// The link is gone.
void link_ended(peer_state& st);

} // namespace p2p::reconciliation
