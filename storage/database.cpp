#include "storage/database.hpp"

#include "protocol/hex.hpp"
#include "p2psync/log.hpp"
#include "storage/database_internal.hpp"
#include "storage/lmdb.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <random>

namespace p2p {

namespace {

constexpr std::string_view epoch_key = "epoch";
constexpr std::string_view open_key = "open"; // present while a process has it

std::string random_hex_id() {
  std::random_device rd;
  char bytes[8];
  for (int i = 0; i < 8; i += 4) {
    auto x = rd();
    std::memcpy(bytes + i, &x, 4);
  }
  return to_hex({bytes, sizeof bytes});
}

/// An exclusive lock on a file in the db directory, so two processes never
/// own one db (two nodes on one db would share an epoch and clock). The
/// kernel drops it when the process dies, however it dies.
int lock_owner(const std::string& dir) {
  auto file = dir + "/owner.lock";
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::runtime_error("cannot open " + file + ": "
                             + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    throw std::runtime_error("the database " + dir
                             + " is in use by another process");
  }
  return fd;
}

/// A transaction of peers' updates only skips the meta page's flush (see
/// apply).
bool only_from_peers(const std::vector<write_batch>& batches) {
  return std::all_of(batches.begin(), batches.end(),
                     [](const write_batch& b) { return !b.from.empty(); });
}

} // namespace

database::database(const std::string& dir, std::size_t initial_map_size,
                   db_access access)
  : env_(std::make_unique<lmdb::env>(dir, initial_map_size, 10,
                                     access == db_access::read_only)) {
  if (access == db_access::read_only) {
    // What an export reads; a db made by an older version may lack the
    // others, and a read-only open cannot create them.
    lmdb::txn t(*env_, true);
    records_ = t.open_db("records", 0);
    changes_ = t.open_db("changes", 0);
    meta_ = t.open_db("meta", 0);
    t.commit(); // keeps the handles
    return;
  }
  owner_lock_fd_ = lock_owner(dir);
  try {
    open_as_owner(initial_map_size);
  } catch (...) {
    ::close(owner_lock_fd_);
    throw;
  }
}

void database::open_as_owner(std::size_t initial_map_size) {
  lmdb::txn t(*env_, false);
  records_ = t.open_db("records");
  changes_ = t.open_db("changes");
  meta_ = t.open_db("meta");
  checkpoints_ = t.open_db("checkpoints");
  schemas_ = t.open_db("schemas");
  tombstones_ = t.open_db("tombstones");
  indexes_.open(t);
  index_tombstones(t);
  std::string_view existing;
  if (!t.get(meta_, node_id_key, existing))
    t.put(meta_, node_id_key, random_hex_id());
  // Still marked open: the last run ended without closing. Commits of
  // peers' updates skip the meta page flush (see apply), so an OS crash
  // may have undone some that peers already counted in their checkpoints;
  // a new epoch makes them ask afresh (by sketch, so it stays cheap).
  if (!t.get(meta_, epoch_key, existing) || t.get(meta_, open_key, existing))
    t.put(meta_, epoch_key, random_hex_id());
  t.put(meta_, open_key, "1");
  auto horizon = read_u64(t, meta_, horizon_key);
  t.commit();
  horizon_cache_.store(horizon);
  // The map may have been grown by an earlier run: use the size on disk.
  if (env_->map_size() < initial_map_size)
    env_->set_map_size(initial_map_size);
}

database::~database() {
  if (owner_lock_fd_ < 0)
    return; // read-only
  try {
    if (!closed_as_if_killed_) {
      lmdb::txn t(*env_, false);
      t.del(meta_, open_key);
      t.commit();
    }
  } catch (const std::exception&) {
    // The next open sees the mark and moves to a new epoch: safe.
  }
  env_.reset();
  ::close(owner_lock_fd_);
}

std::string database::node_id() const {
  reader r(*this);
  std::string_view id;
  r.txn.get(meta_, node_id_key, id);
  return std::string(id);
}

void database::set_node_id(const std::string& id) {
  lmdb::txn t(*env_, false);
  t.put(meta_, node_id_key, id);
  t.commit();
}

std::string database::epoch() const {
  reader r(*this);
  std::string_view epoch;
  r.txn.get(meta_, epoch_key, epoch);
  return std::string(epoch);
}

uint64_t database::checkpoint(std::string_view peer_epoch) const {
  if (peer_epoch.empty())
    return 0;
  reader r(*this);
  return read_u64(r.txn, checkpoints_, peer_epoch);
}

std::vector<uint64_t> database::apply(std::vector<update> updates) {
  std::vector<write_batch> one;
  one.push_back(write_batch{std::move(updates), {}, {}, 0});
  return apply(one)[0];
}

std::vector<std::vector<uint64_t>>
database::apply(const std::vector<write_batch>& batches) {
  // A local write is acknowledged to its caller: it gets both flushes. A
  // transaction of peers' updates only skips the meta page's flush: an OS
  // crash may then undo it (never corrupt the db); its changes come again,
  // as the checkpoint that covers them is undone with them, and the epoch
  // moves at the next open (see the constructor).
  std::vector<std::vector<uint64_t>> result;
  write([&](lmdb::txn& t) { result = apply_in(t, batches); },
        !only_from_peers(batches));
  return result;
}

std::vector<std::vector<uint64_t>>
database::apply(const std::vector<write_batch>& batches,
                const collect_request& collect, collect_result& collected) {
  std::vector<std::vector<uint64_t>> result;
  hlc_time horizon = 0;
  write(
    [&](lmdb::txn& t) {
      result = apply_in(t, batches);
      collected = collect_in(t, collect, horizon);
    },
    !only_from_peers(batches));
  horizon_cache_.store(horizon, std::memory_order_release);
  return result;
}

void database::write(const std::function<void(lmdb::txn&)>& body,
                     bool flush_meta) {
  while (true) {
    try {
      lmdb::txn t(*env_, false);
      body(t);
      lmdb::check(mdb_env_set_flags(env_->get(), MDB_NOMETASYNC, !flush_meta),
                  "mdb_env_set_flags");
      auto started = std::chrono::steady_clock::now();
      t.commit();
      if (commit_observer_)
        commit_observer_(std::chrono::steady_clock::now() - started);
      return;
    } catch (const lmdb::error& e) {
      if (e.code() != MDB_MAP_FULL)
        throw;
      grow_map();
    }
  }
}

std::vector<std::vector<uint64_t>>
database::apply_in(lmdb::txn& t, const std::vector<write_batch>& batches) {
  std::vector<std::vector<uint64_t>> result;
  result.reserve(batches.size());
  uint64_t seq = last_seq_in(t);
  auto max_time = read_u64(t, meta_, max_time_key);
  auto live = read_u64(t, meta_, live_key);
  auto horizon = read_u64(t, meta_, horizon_key);
  std::string own_id; // read when a re-delete needs it
  const auto& defs = index_defs(t);
  // Stores `u` over what the path holds (`old`: nothing when null).
  auto store = [&](const update& u, const std::optional<record_view>& old,
                   std::string_view from) {
    std::string old_value; // outlives the page `old` points into
    bool was_live = false;
    if (old) {
      // Read all of `old` first: a write may move the page it points into.
      was_live = old->value != "null";
      if (!defs.empty())
        old_value = old->value;
      auto old_time = old->time;
      auto old_seq = old->seq;
      if (!was_live)
        t.del(tombstones_, tombstone_key(old_time, u.path));
      t.del(changes_, encode_seq_key(old_seq));
    }
    if (!defs.empty())
      indexes_.on_change(t, defs, u.path, old_value, u.value);
    ++seq;
    t.put(records_, u.path, encode_record(u, seq, from));
    t.put(changes_, encode_seq_key(seq), u.path);
    if (u.is_tombstone())
      t.put(tombstones_, tombstone_key(u.time, u.path), {});
    live = live + (u.is_tombstone() ? 0 : 1) - (was_live ? 1 : 0);
    if (u.time > max_time)
      max_time = u.time;
    return seq;
  };
  for (const auto& batch : batches) {
    auto& seqs = result.emplace_back(batch.updates.size(), 0);
    for (std::size_t i = 0; i < batch.updates.size(); ++i) {
      const auto& u = batch.updates[i];
      std::string_view bytes;
      std::optional<record_view> old;
      if (t.get(records_, u.path, bytes))
        old = view_record(bytes);
      if (old) {
        if (!version_wins(u.time, u.origin, u.value, old->time, old->origin,
                          old->value))
          continue;
      } else if (batch.check_horizon && u.time < horizon) {
        // Older than the horizon and not held: a value whose delete was
        // collected here. Dropped; one from a peer is deleted again (just
        // after its stamp) so that the nodes that still hold it converge
        // on its absence instead of keeping it where we never will.
        dropped_by_horizon_.fetch_add(1, std::memory_order_relaxed);
        if (batch.from.empty() || u.is_tombstone())
          continue;
        if (own_id.empty()) {
          std::string_view id;
          t.get(meta_, node_id_key, id);
          own_id = std::string(id);
        }
        store(update{u.path, "null", u.time + 1, own_id}, std::nullopt, {});
        continue;
      }
      seqs[i] = store(u, old, batch.from);
    }
    if (!batch.checkpoint_epoch.empty()
        && batch.checkpoint_seq
             > read_u64(t, checkpoints_, batch.checkpoint_epoch))
      write_u64(t, checkpoints_, batch.checkpoint_epoch, batch.checkpoint_seq);
  }
  write_u64(t, meta_, max_time_key, max_time);
  write_u64(t, meta_, live_key, live);
  return result;
}

void database::grow_map() {
  std::unique_lock<std::shared_mutex> lock(resize_mutex_);
  auto before = env_->map_size();
  env_->set_map_size(before * 2);
  log::info("store", "map grown",
            {{"from_mib", static_cast<uint64_t>(before >> 20)},
             {"to_mib", static_cast<uint64_t>(env_->map_size() >> 20)}});
}

} // namespace p2p
