#pragma once
// The store actor owns every write to the database. Writes that arrive
// together commit in one durable transaction (group commit); each caller is
// answered only after the commit that holds its write.
#include "actors/messages.hpp"
#include "storage/database.hpp"

#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <memory>
#include <optional>
#include <vector>

namespace p2p {

struct node_metrics;

/// apply: updates to apply through last-write-wins (with the sender's
/// checkpoint, for a batch from a peer); the reply holds, per update, the
/// change seq it got, or 0 when it lost.
/// add_index (prefix, field): creates and builds it -> (index, entries
/// built); drop_index (prefix, field) -> whether it existed;
/// schema (prefix, text): keeps it, or removes it when `text` is empty.
/// collect (cutoff stamp, max seq): collects one transaction's worth of
/// tombstones older than it, up to that change seq -> (removed, whether
/// more remain); reconcile (a peer's
/// inventory page) -> the records removed as absent there; horizon (stamp):
/// adopts a reconciled peer's horizon.
using store_actor = caf::typed_actor<
  caf::replies_to<apply_atom, write_batch>::with<std::vector<uint64_t>>,
  caf::reacts_to<commit_atom>,
  caf::replies_to<collect_atom, hlc_time, uint64_t>::with<uint64_t, bool>,
  caf::replies_to<reconcile_atom, absent_page>::with<std::vector<update>>,
  caf::reacts_to<horizon_atom, hlc_time>,
  caf::replies_to<add_index_atom, std::string, std::string>::with<index_def,
                                                                   uint64_t>,
  caf::replies_to<drop_index_atom, std::string, std::string>::with<bool>,
  caf::replies_to<schema_atom, std::string, std::string>::with<bool>>;

struct store_state {
  static inline const char* name = "p2p.store";

  struct pending_write {
    write_batch batch;
    caf::typed_response_promise<std::vector<uint64_t>> promise;
  };

  std::shared_ptr<database> db;
  node_metrics* metrics = nullptr;
  std::vector<pending_write> pending;
  std::size_t pending_updates = 0;
  // A collection step waiting to ride along with the next commit of writes
  // (it then costs no fsync of its own).
  std::optional<collect_request> collect;
  caf::typed_response_promise<uint64_t, bool> collect_promise;
};

/// Spawn detached: a commit waits for fsync, which must not hold a
/// scheduler thread.
store_actor::behavior_type
store_impl(store_actor::stateful_pointer<store_state> self,
           std::shared_ptr<database> db, node_metrics* metrics);

} // namespace p2p
