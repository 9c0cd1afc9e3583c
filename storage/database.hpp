#pragma once
// The node's durable state in one LMDB environment:
//   records: path -> record (value, stamp, origin, change seq); deletes are
//            tombstones (value `null`), so they replicate like writes.
//   changes: seq -> path, one live entry per path (the newest version), the
//            local change sequence that catch-up and Last-Event-ID read.
//   meta:    node id, epoch (made with the db), largest stamp seen, live
//            entry count.
//   checkpoints: peer epoch -> that peer's change seq applied through here,
//            written in the same transaction as the changes it covers.
//   index_defs, index_entries: field indexes (indexes.hpp), kept in the
//            transaction that changes the records.
//   schemas: prefix -> JSON Schema text (checked by the router, not here).
//   tombstones: [u64 stamp, big-endian][path] -> nothing, one per tombstone
//            held, so collection reads only what it removes, oldest first
//            (database_tombstones.cpp).
// Writes go through apply() from one thread at a time (the store actor).
// Reads are lock-free MVCC snapshots any thread may take.
#include "protocol/sketch.hpp"
#include "p2psync/update.hpp"
#include "storage/indexes.hpp"
#include "storage/query_runner.hpp"
#include "storage/record.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace p2p {

namespace lmdb {
class env;
}

/// One caller's writes, applied together with the caller's checkpoint.
struct write_batch {
  std::vector<update> updates;
  std::string from;             // node id they came from; empty when local
  std::string checkpoint_epoch; // when not empty: remember checkpoint_seq
  uint64_t checkpoint_seq = 0;
  /// An update older than the horizon for a path not held is dropped (its
  /// delete was collected). Off for local writes and for the stream of the
  /// peer this node is reconciling with (that peer's picture is adopted).
  bool check_horizon = true;
};

/// What one collection transaction did (collect_tombstones).
struct collect_result {
  uint64_t removed = 0;
  bool more = false; // tombstones older than the cutoff remain
};

/// One collection step: up to `max_records` tombstones stamped below
/// `cutoff`, oldest first.
struct collect_request {
  hlc_time cutoff = 0;
  std::size_t max_records = 0;
  /// Tombstones past this change seq stay (a linked peer has not applied
  /// our log that far: collected, it would never be sent them).
  uint64_t max_seq = ~uint64_t{0};
};

/// Tombstone collection's durable state (meta) and counters.
struct horizon_state {
  /// Every tombstone stamped below this is gone (collected here, or
  /// adopted from a peer after reconciling with it): an update older than
  /// it for a path not held can only be one whose delete was collected.
  hlc_time horizon = 0;
  /// A peer whose checkpoint into this db is below this may hold what was
  /// collected here, with no tombstone left to tell it: it reconciles.
  uint64_t reconcile_below = 0;
  uint64_t collected = 0;       // tombstones collected, ever
  uint64_t tombstones_held = 0; // now
  uint64_t dropped = 0;         // updates dropped by the horizon (this run)
};

/// owner: the one process that serves (or maintains) the db; a second
/// owner is refused while the first has it open. read_only: a reader of
/// records (get, scan, node_id) for an export, which may run beside the
/// owner and changes nothing; its other calls are not available.
enum class db_access { owner, read_only };

class database {
public:
  static constexpr std::size_t default_map_size = std::size_t{1} << 30;

  /// Throws when the db cannot be opened, or when another owner has it.
  explicit database(const std::string& dir,
                    std::size_t initial_map_size = default_map_size,
                    db_access access = db_access::owner);
  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  /// For crash simulations: closing commits nothing more (the "open" mark
  /// stays, so the next open starts a new epoch, as after a killed process).
  void close_as_if_killed() { closed_as_if_killed_ = true; }

  /// Made once (random 64 bits, hex) and kept in the db.
  std::string node_id() const;
  void set_node_id(const std::string& id);

  /// Identifies this database: a wiped db gets a new epoch even if the
  /// node keeps its id, so peers do not trust checkpoints into the old one.
  std::string epoch() const;

  /// Applies, in one durable transaction, each update that wins
  /// last-write-wins against what is stored, and the batches' checkpoints.
  /// Returns per update the change seq it was given, or 0 when it lost (or
  /// was already there).
  std::vector<std::vector<uint64_t>>
  apply(const std::vector<write_batch>& batches);
  /// The same, with one collection step in the same transaction (it then
  /// costs no fsync of its own); its result goes to `collected`.
  std::vector<std::vector<uint64_t>>
  apply(const std::vector<write_batch>& batches, const collect_request& collect,
        collect_result& collected);
  /// Local updates, one batch.
  std::vector<uint64_t> apply(std::vector<update> updates);

  /// The peer's change seq applied through here (0: none).
  uint64_t checkpoint(std::string_view peer_epoch) const;

  /// The stored record, tombstones included.
  std::optional<stored_record> get(std::string_view path) const;

  /// Records whose path starts with `prefix`, in path order; tombstones
  /// skipped unless asked for. limit 0 means no limit. With `after`, only
  /// paths past it; with `max_bytes`, the page ends once its values and
  /// paths pass that many bytes (for paging in bounded memory).
  std::vector<update> scan(std::string_view prefix, std::size_t limit,
                           bool with_tombstones = false,
                           std::string_view after = {},
                           std::size_t max_bytes = 0) const;

  /// The next page of an export: records under `prefix` past `after`, at
  /// most 256 or about 256 KiB (one larger value alone); `after` moves to its last path. Empty at
  /// the end. Each page is its own snapshot, so no reader holds one long.
  std::vector<update> export_page(std::string_view prefix, bool with_tombstones,
                                  std::string& after) const;

  /// Creates the index on (prefix, field) and builds it from the records,
  /// in one transaction; the count of entries built (0: it existed).
  std::pair<index_def, uint64_t> create_index(const std::string& prefix,
                                              const std::string& field);
  /// False when there was no such index.
  bool drop_index(const std::string& prefix, const std::string& field);
  std::vector<index_def> indexes() const;
  /// Runs a compiled query on one snapshot (query_runner.hpp).
  query_result query(const field_query& q, const compiled_query& cq) const;

  /// Schemas by prefix, as JSON text; an empty text removes one.
  void set_schema(const std::string& prefix, const std::string& text);
  std::vector<std::pair<std::string, std::string>> schemas() const;

  /// Records changed after `seq`, in change order, at most `limit` of
  /// them (0: no limit) and, past the first, at most about `max_bytes`.
  std::vector<stored_record> changes_since(uint64_t seq, std::size_t limit,
                                           std::size_t max_bytes = 0) const;

  /// A sketch (sketch.hpp) of every record, tombstones included, and the
  /// change seq it reflects, from one snapshot.
  std::pair<sketch, uint64_t> summarize(std::size_t cells) const;

  /// The records whose record_element() is in `elements`.
  std::vector<update> find_elements(const std::vector<uint64_t>& elements) const;

  /// A small named text the node keeps (the overlay's known addresses);
  /// empty when never set. Written in a transaction of its own.
  std::string setting(std::string_view key) const;
  void set_setting(std::string_view key, const std::string& value);

  // Tombstone collection and reconciliation (database_tombstones.cpp).

  /// Removes up to `max_records` tombstones stamped below `cutoff`, oldest
  /// first, in one transaction, and raises the horizon past them.
  collect_result collect_tombstones(const collect_request& req);
  /// A reconciling peer's inventory page: of the records with paths in
  /// (after, through] (`through` empty: to the end), removes those stamped
  /// below `horizon` whose path is not in `held` (sorted): a tombstone
  /// outright, a value by a tombstone just past its stamp (which spreads).
  /// Returns those tombstones.
  std::vector<update> remove_absent(std::string_view after,
                                    std::string_view through,
                                    const std::vector<std::string>& held,
                                    hlc_time horizon);
  /// Adopts a reconciled peer's horizon when it is higher.
  void raise_horizon(hlc_time horizon);
  horizon_state horizon() const;
  /// Updates dropped by the horizon since the process started.
  uint64_t dropped_by_horizon() const {
    return dropped_by_horizon_.load(std::memory_order_relaxed);
  }
  /// The horizon alone, without a read transaction (kept in memory).
  hlc_time horizon_stamp() const {
    return horizon_cache_.load(std::memory_order_acquire);
  }
  /// Paths of the records (tombstones included) after `after`, in order:
  /// at most `max_paths`, or about `max_bytes` of them.
  std::vector<std::string> paths_page(std::string_view after,
                                      std::size_t max_paths,
                                      std::size_t max_bytes) const;

  uint64_t last_seq() const;
  hlc_time max_time() const;
  uint64_t live_entries() const;
  std::size_t map_size() const;

  /// Told how long each write transaction's commit took (mdb_txn_commit,
  /// its fsync), on the writing thread. Set before the database is shared.
  void set_commit_observer(std::function<void(std::chrono::nanoseconds)> f) {
    commit_observer_ = std::move(f);
  }

private:
  struct reader;
  void open_as_owner(std::size_t initial_map_size);
  /// The body of apply, inside `t`.
  std::vector<std::vector<uint64_t>>
  apply_in(lmdb::txn& t, const std::vector<write_batch>& batches);
  void grow_map();
  /// Runs `body` in a write transaction and commits, growing the map and
  /// starting again when it fills up. `flush_meta` false skips the meta
  /// page's flush (for peers' updates only, see apply).
  void write(const std::function<void(lmdb::txn&)>& body,
             bool flush_meta = true);
  void indexes_changed(lmdb::txn& t);
  /// One collection step inside `t`; `horizon` gets the horizon after it.
  collect_result collect_in(lmdb::txn& t, const collect_request& req,
                            hlc_time& horizon);
  /// Builds the tombstone index of a db made before it existed.
  void index_tombstones(lmdb::txn& t);
  /// Removes a tombstone, its change-log entry and its index entry, in `t`.
  void remove_tombstone(lmdb::txn& t, std::string_view path,
                        const record_view& rec);
  /// Keeps `seq` from being given out again once its log entry is gone.
  void note_removed_seq(lmdb::txn& t, uint64_t seq);
  /// The largest change seq given out, removed entries included.
  uint64_t last_seq_in(const lmdb::txn& t) const;
  /// The index definitions, reloaded when another transaction changed them.
  const std::vector<index_def>& index_defs(const lmdb::txn& t);

  // LMDB may resize the map only while no transaction is open in the
  // process: readers hold this shared, growth holds it exclusive.
  mutable std::shared_mutex resize_mutex_;
  std::unique_ptr<lmdb::env> env_;
  unsigned records_ = 0;
  unsigned changes_ = 0;
  unsigned meta_ = 0;
  unsigned checkpoints_ = 0;
  unsigned schemas_ = 0;
  unsigned tombstones_ = 0;
  index_store indexes_;
  int owner_lock_fd_ = -1; // flock'ed while this process owns the db
  bool closed_as_if_killed_ = false;
  // Only touched inside write transactions, which LMDB serializes.
  std::vector<index_def> index_defs_;
  uint64_t index_generation_ = ~uint64_t{0};
  std::atomic<uint64_t> dropped_by_horizon_{0};
  std::atomic<hlc_time> horizon_cache_{0}; // meta's, once committed
  std::function<void(std::chrono::nanoseconds)> commit_observer_;
};

} // namespace p2p
