#include "storage/database.hpp"

#include "storage/lmdb.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <random>
#include <unordered_set>

namespace p2p {

namespace {

constexpr std::string_view node_id_key = "node_id";
constexpr std::string_view epoch_key = "epoch";
constexpr std::string_view open_key = "open"; // present while a process has it
constexpr std::string_view max_time_key = "max_time";
constexpr std::string_view live_key = "live_entries";
constexpr std::string_view index_generation_key = "index_generation";

std::string random_hex_id() {
  std::random_device rd;
  uint64_t x = (uint64_t{rd()} << 32) | rd();
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, x >>= 4)
    out[i] = hex[x & 0xF];
  return out;
}

uint64_t read_u64(const lmdb::txn& t, MDB_dbi db, std::string_view key) {
  std::string_view v;
  if (!t.get(db, key, v) || v.size() != 8)
    return 0;
  uint64_t x;
  std::memcpy(&x, v.data(), 8);
  return x;
}

void write_u64(lmdb::txn& t, MDB_dbi db, std::string_view key, uint64_t x) {
  t.put(db, key, std::string_view(reinterpret_cast<const char*>(&x), 8));
}

} // namespace

// A read snapshot that keeps the map from being resized while it lives.
struct database::reader {
  std::shared_lock<std::shared_mutex> lock;
  lmdb::txn txn;
  explicit reader(const database& db)
    : lock(db.resize_mutex_), txn(*db.env_, true) {
  }
};

namespace {

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
  indexes_.open(t);
  std::string_view existing;
  if (!t.get(meta_, node_id_key, existing))
    t.put(meta_, node_id_key, random_hex_id());
  // Still marked open: the last run ended without closing. Commits of
  // peers' updates skip the meta page flush (see try_apply), so an OS crash
  // may have undone some that peers already counted in their checkpoints;
  // a new epoch makes them ask afresh (by sketch, so it stays cheap).
  if (!t.get(meta_, epoch_key, existing) || t.get(meta_, open_key, existing))
    t.put(meta_, epoch_key, random_hex_id());
  t.put(meta_, open_key, "1");
  t.commit();
  // The map may have been grown by an earlier run: use the size on disk.
  if (env_->map_size() < initial_map_size)
    env_->set_map_size(initial_map_size);
}

database::~database() {
  if (owner_lock_fd_ < 0)
    return; // read-only
  try {
    lmdb::txn t(*env_, false);
    t.del(meta_, open_key);
    t.commit();
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

std::vector<uint64_t> database::apply(const std::vector<update>& updates) {
  return apply(std::vector<write_batch>{write_batch{updates, {}, {}, 0}})[0];
}

std::vector<std::vector<uint64_t>>
database::apply(const std::vector<write_batch>& batches) {
  while (true) {
    try {
      return try_apply(batches);
    } catch (const lmdb::error& e) {
      if (e.code() != MDB_MAP_FULL)
        throw;
      grow_map();
    }
  }
}

std::vector<std::vector<uint64_t>>
database::try_apply(const std::vector<write_batch>& batches) {
  std::vector<std::vector<uint64_t>> result;
  result.reserve(batches.size());
  lmdb::txn t(*env_, false);
  uint64_t seq = 0;
  {
    lmdb::cursor c(t, changes_);
    if (c.last())
      seq = decode_seq_key(c.key());
  }
  auto max_time = read_u64(t, meta_, max_time_key);
  auto live = read_u64(t, meta_, live_key);
  const auto& defs = index_defs(t);
  for (const auto& batch : batches) {
    auto& seqs = result.emplace_back(batch.updates.size(), 0);
    for (std::size_t i = 0; i < batch.updates.size(); ++i) {
      const auto& u = batch.updates[i];
      std::string_view old;
      std::string old_value; // outlives the page `old` points into
      bool was_live = false;
      if (t.get(records_, u.path, old)) {
        if (auto rec = view_record(old)) {
          if (!stamp_wins(u.time, u.origin, rec->time, rec->origin))
            continue;
          was_live = rec->value != "null";
          if (!defs.empty())
            old_value = rec->value;
          t.del(changes_, encode_seq_key(rec->seq));
        }
      }
      if (!defs.empty())
        indexes_.on_change(t, defs, u.path, old_value, u.value);
      seqs[i] = ++seq;
      t.put(records_, u.path, encode_record(u, seq, batch.from));
      t.put(changes_, encode_seq_key(seq), u.path);
      live = live + (u.is_tombstone() ? 0 : 1) - (was_live ? 1 : 0);
      if (u.time > max_time)
        max_time = u.time;
    }
    if (!batch.checkpoint_epoch.empty()
        && batch.checkpoint_seq
             > read_u64(t, checkpoints_, batch.checkpoint_epoch))
      write_u64(t, checkpoints_, batch.checkpoint_epoch, batch.checkpoint_seq);
  }
  write_u64(t, meta_, max_time_key, max_time);
  write_u64(t, meta_, live_key, live);
  // A local write is acknowledged to its caller: it gets both flushes. A
  // transaction of peers' updates only skips the meta page's flush: an OS
  // crash may then undo it (never corrupt the db); its changes come again,
  // as the checkpoint that covers them is undone with them, and the epoch
  // moves at the next open (see the constructor).
  bool all_remote = std::all_of(batches.begin(), batches.end(),
                                [](const write_batch& b) {
                                  return !b.from.empty();
                                });
  lmdb::check(mdb_env_set_flags(env_->get(), MDB_NOMETASYNC, all_remote),
              "mdb_env_set_flags");
  t.commit();
  return result;
}

const std::vector<index_def>& database::index_defs(const lmdb::txn& t) {
  auto generation = read_u64(t, meta_, index_generation_key);
  if (generation != index_generation_) {
    index_defs_ = indexes_.load(t);
    index_generation_ = generation;
  }
  return index_defs_;
}

void database::write(const std::function<void(lmdb::txn&)>& body) {
  while (true) {
    try {
      lmdb::txn t(*env_, false);
      body(t);
      t.commit();
      return;
    } catch (const lmdb::error& e) {
      if (e.code() != MDB_MAP_FULL)
        throw;
      grow_map();
    }
  }
}

std::pair<index_def, uint64_t>
database::create_index(const std::string& prefix, const std::string& field) {
  std::pair<index_def, uint64_t> out;
  write([&](lmdb::txn& t) {
    out = indexes_.create(t, records_, prefix, field);
    write_u64(t, meta_, index_generation_key,
              read_u64(t, meta_, index_generation_key) + 1);
  });
  return out;
}

bool database::drop_index(const std::string& prefix, const std::string& field) {
  bool dropped = false;
  write([&](lmdb::txn& t) {
    dropped = indexes_.drop(t, prefix, field);
    write_u64(t, meta_, index_generation_key,
              read_u64(t, meta_, index_generation_key) + 1);
  });
  return dropped;
}

std::vector<index_def> database::indexes() const {
  reader r(*this);
  return indexes_.load(r.txn);
}

query_result database::query(const field_query& q,
                             const compiled_query& cq) const {
  reader r(*this);
  return run_query(r.txn, records_, indexes_.entries(), indexes_.load(r.txn),
                   q, cq);
}

void database::set_schema(const std::string& prefix, const std::string& text) {
  // LMDB keys cannot be empty: the empty prefix is kept as "\0".
  std::string key = prefix.empty() ? std::string(1, '\0') : prefix;
  write([&](lmdb::txn& t) {
    if (text.empty())
      t.del(schemas_, key);
    else
      t.put(schemas_, key, text);
  });
}

std::vector<std::pair<std::string, std::string>> database::schemas() const {
  std::vector<std::pair<std::string, std::string>> out;
  reader r(*this);
  lmdb::cursor c(r.txn, schemas_);
  for (bool ok = c.first(); ok; ok = c.next()) {
    auto key = c.key();
    out.emplace_back(key == std::string_view("\0", 1) ? "" : std::string(key),
                     std::string(c.value()));
  }
  return out;
}

void database::grow_map() {
  std::unique_lock<std::shared_mutex> lock(resize_mutex_);
  env_->set_map_size(env_->map_size() * 2);
}

std::optional<stored_record> database::get(std::string_view path) const {
  reader r(*this);
  std::string_view bytes;
  if (!r.txn.get(records_, path, bytes))
    return std::nullopt;
  return decode_record(path, bytes);
}

std::vector<update> database::scan(std::string_view prefix, std::size_t limit,
                                   bool with_tombstones,
                                   std::string_view after) const {
  std::vector<update> out;
  reader r(*this);
  lmdb::cursor c(r.txn, records_);
  auto start = std::max(prefix, after);
  // An empty key is not valid in LMDB: start at the first record instead.
  for (bool ok = start.empty() ? c.first() : c.seek(start); ok;
       ok = c.next()) {
    auto key = c.key();
    if (key.compare(0, prefix.size(), prefix) != 0)
      break;
    if (!after.empty() && key <= after)
      continue;
    auto rec = decode_record(key, c.value());
    if (!rec || (!with_tombstones && rec->u.is_tombstone()))
      continue;
    out.push_back(std::move(rec->u));
    if (limit != 0 && out.size() >= limit)
      break;
  }
  return out;
}

std::vector<stored_record> database::changes_since(
  uint64_t seq, std::size_t limit, std::size_t max_bytes) const {
  std::vector<stored_record> out;
  std::size_t bytes = 0;
  reader r(*this);
  lmdb::cursor c(r.txn, changes_);
  for (bool ok = c.seek(encode_seq_key(seq + 1)); ok; ok = c.next()) {
    std::string_view raw;
    if (!r.txn.get(records_, c.value(), raw))
      continue;
    if (max_bytes != 0 && !out.empty() && bytes + raw.size() > max_bytes)
      break;
    bytes += raw.size() + c.value().size();
    if (auto rec = decode_record(c.value(), raw))
      out.push_back(std::move(*rec));
    if (limit != 0 && out.size() >= limit)
      break;
  }
  return out;
}

std::pair<sketch, uint64_t> database::summarize(std::size_t cells) const {
  std::pair<sketch, uint64_t> out{sketch(cells), 0};
  reader r(*this);
  {
    lmdb::cursor c(r.txn, changes_);
    if (c.last())
      out.second = decode_seq_key(c.key());
  }
  lmdb::cursor c(r.txn, records_);
  for (bool ok = c.first(); ok; ok = c.next())
    if (auto v = view_record(c.value()))
      out.first.add(record_element(c.key(), v->time, v->origin));
  return out;
}

std::vector<update>
database::find_elements(const std::vector<uint64_t>& elements) const {
  std::unordered_set<uint64_t> wanted(elements.begin(), elements.end());
  std::vector<update> out;
  reader r(*this);
  lmdb::cursor c(r.txn, records_);
  for (bool ok = c.first(); ok && out.size() < wanted.size(); ok = c.next()) {
    auto v = view_record(c.value());
    if (v && wanted.count(record_element(c.key(), v->time, v->origin)))
      out.push_back(decode_record(c.key(), c.value())->u);
  }
  return out;
}

uint64_t database::last_seq() const {
  reader r(*this);
  lmdb::cursor c(r.txn, changes_);
  return c.last() ? decode_seq_key(c.key()) : 0;
}

hlc_time database::max_time() const {
  reader r(*this);
  return read_u64(r.txn, meta_, max_time_key);
}

uint64_t database::live_entries() const {
  reader r(*this);
  return read_u64(r.txn, meta_, live_key);
}

std::size_t database::map_size() const {
  return env_->map_size();
}

} // namespace p2p
