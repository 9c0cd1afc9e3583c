#pragma once
// A thin RAII wrapper over LMDB. Every call's return code is checked; a
// failure throws lmdb_error naming the call. LMDB's rules stay visible:
// an MDB_val is valid only inside its transaction, there is one write
// transaction at a time, and a write transaction must begin and end on the
// same OS thread (so never span one over two actor messages).
#include <lmdb.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace p2p::lmdb {

class error : public std::runtime_error {
public:
  error(int code, const std::string& what);
  int code() const {
    return code_;
  }

private:
  int code_;
};

/// Throws `error` when `rc` is not MDB_SUCCESS.
void check(int rc, const char* call);

inline MDB_val to_val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

inline std::string_view to_view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

class env {
public:
  /// Opens (creating) the environment in directory `dir` (created too).
  /// Read-only: creates nothing, and writes fail.
  env(const std::string& dir, std::size_t map_size, unsigned max_dbs,
      bool read_only = false);
  ~env();
  env(const env&) = delete;
  env& operator=(const env&) = delete;

  MDB_env* get() const {
    return env_;
  }
  std::size_t map_size() const;
  /// Only while no transaction is open in this process (LMDB's rule).
  void set_map_size(std::size_t bytes);

private:
  MDB_env* env_ = nullptr;
};

class txn {
public:
  txn(const env& e, bool read_only);
  ~txn(); // aborts unless committed
  txn(const txn&) = delete;
  txn& operator=(const txn&) = delete;

  MDB_txn* get() const {
    return txn_;
  }
  void commit();
  void abort();

  MDB_dbi open_db(const char* name, unsigned flags = MDB_CREATE);
  /// False when the key is absent.
  bool get(MDB_dbi db, std::string_view key, std::string_view& value) const;
  void put(MDB_dbi db, std::string_view key, std::string_view value);
  /// False when the key was absent.
  bool del(MDB_dbi db, std::string_view key);
  uint64_t entries(MDB_dbi db) const;

private:
  MDB_txn* txn_ = nullptr;
};

class cursor {
public:
  cursor(const txn& t, MDB_dbi db);
  ~cursor();
  cursor(const cursor&) = delete;
  cursor& operator=(const cursor&) = delete;

  /// Positions at the first key >= `key`; false at the end.
  bool seek(std::string_view key);
  bool first();
  bool last();
  bool next();
  /// Deletes the entry under the cursor (write transactions only).
  void del();
  std::string_view key() const {
    return to_view(key_);
  }
  std::string_view value() const {
    return to_view(val_);
  }

private:
  bool move(MDB_cursor_op op);
  MDB_cursor* cur_ = nullptr;
  MDB_val key_{0, nullptr};
  MDB_val val_{0, nullptr};
};

} // namespace p2p::lmdb
