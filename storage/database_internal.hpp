#pragma once
// What the database's source files share (database.cpp: records, changes,
// catch-up; database_data.cpp: indexes, schemas, queries). Not for users.
#include "storage/database.hpp"
#include "storage/lmdb.hpp"

#include <cstring>
#include <mutex>

namespace p2p {

// Keys in the meta database.
constexpr std::string_view node_id_key = "node_id";
constexpr std::string_view max_time_key = "max_time";
constexpr std::string_view live_key = "live_entries";
constexpr std::string_view index_generation_key = "index_generation";
// Tombstone collection (database_tombstones.cpp).
constexpr std::string_view horizon_key = "horizon";
constexpr std::string_view reconcile_below_key = "reconcile_below";
constexpr std::string_view collected_key = "tombstones_collected";
constexpr std::string_view tombstone_index_key = "tombstone_index"; // built
// The largest change seq whose log entry was removed (collected): the
// next seq stays above it even when it was the last.
constexpr std::string_view removed_seq_key = "removed_seq";

inline uint64_t read_u64(const lmdb::txn& t, MDB_dbi db, std::string_view key) {
  std::string_view v;
  if (!t.get(db, key, v) || v.size() != 8)
    return 0;
  uint64_t x;
  std::memcpy(&x, v.data(), 8);
  return x;
}

inline void write_u64(lmdb::txn& t, MDB_dbi db, std::string_view key, uint64_t x) {
  t.put(db, key, std::string_view(reinterpret_cast<const char*>(&x), 8));
}

/// The tombstone index's key: the stamp, big-endian (oldest first), then
/// the path.
inline std::string tombstone_key(hlc_time time, std::string_view path) {
  auto key = encode_seq_key(time);
  key.append(path);
  return key;
}

// A read snapshot that keeps the map from being resized while it lives.
struct database::reader {
  std::shared_lock<std::shared_mutex> lock;
  lmdb::txn txn;
  explicit reader(const database& db)
    : lock(db.resize_mutex_), txn(*db.env_, true) {
  }
};

} // namespace p2p
