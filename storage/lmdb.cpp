#include "storage/lmdb.hpp"

#include <filesystem>

namespace p2p::lmdb {

error::error(int code, const std::string& what)
  : std::runtime_error(what + ": " + mdb_strerror(code)), code_(code) {
}

void check(int rc, const char* call) {
  if (rc != MDB_SUCCESS)
    throw error(rc, call);
}

env::env(const std::string& dir, std::size_t map_size, unsigned max_dbs,
         bool read_only) {
  std::error_code ec;
  if (!read_only)
    std::filesystem::create_directories(dir, ec);
  if (ec)
    throw error(EIO, "create directory " + dir + " (" + ec.message() + ")");
  check(mdb_env_create(&env_), "mdb_env_create");
  try {
    check(mdb_env_set_maxdbs(env_, max_dbs), "mdb_env_set_maxdbs");
    check(mdb_env_set_mapsize(env_, map_size), "mdb_env_set_mapsize");
    // MDB_NOTLS: read transactions are not tied to a thread, which CAF needs
    // (actors hop between threads) and which lets any thread read.
    check(mdb_env_open(env_, dir.c_str(),
                       MDB_NOTLS | (read_only ? MDB_RDONLY : 0), 0644),
          "mdb_env_open");
  } catch (...) {
    mdb_env_close(env_);
    throw;
  }
}

env::~env() {
  mdb_env_close(env_);
}

std::size_t env::map_size() const {
  MDB_envinfo info;
  check(mdb_env_info(env_, &info), "mdb_env_info");
  return info.me_mapsize;
}

void env::set_map_size(std::size_t bytes) {
  check(mdb_env_set_mapsize(env_, bytes), "mdb_env_set_mapsize");
}

txn::txn(const env& e, bool read_only) {
  int rc = mdb_txn_begin(e.get(), nullptr, read_only ? MDB_RDONLY : 0, &txn_);
  if (rc == MDB_MAP_RESIZED && read_only) {
    // Another process (the node serving the db) grew the map. Only a
    // reader beside it sees this, and between its transactions: adopt the
    // new size (0 = as on disk) and begin again.
    check(mdb_env_set_mapsize(e.get(), 0), "mdb_env_set_mapsize");
    rc = mdb_txn_begin(e.get(), nullptr, MDB_RDONLY, &txn_);
  }
  check(rc, "mdb_txn_begin");
}

txn::~txn() {
  if (txn_)
    mdb_txn_abort(txn_);
}

void txn::commit() {
  auto* t = txn_;
  txn_ = nullptr; // mdb_txn_commit frees the txn even when it fails
  check(mdb_txn_commit(t), "mdb_txn_commit");
}

void txn::abort() {
  if (txn_)
    mdb_txn_abort(txn_);
  txn_ = nullptr;
}

MDB_dbi txn::open_db(const char* name, unsigned flags) {
  MDB_dbi dbi;
  check(mdb_dbi_open(txn_, name, flags, &dbi), "mdb_dbi_open");
  return dbi;
}

bool txn::get(MDB_dbi db, std::string_view key, std::string_view& value) const {
  auto k = to_val(key);
  MDB_val v;
  int rc = mdb_get(txn_, db, &k, &v);
  if (rc == MDB_NOTFOUND)
    return false;
  check(rc, "mdb_get");
  value = to_view(v);
  return true;
}

void txn::put(MDB_dbi db, std::string_view key, std::string_view value) {
  auto k = to_val(key);
  auto v = to_val(value);
  check(mdb_put(txn_, db, &k, &v, 0), "mdb_put");
}

bool txn::del(MDB_dbi db, std::string_view key) {
  auto k = to_val(key);
  int rc = mdb_del(txn_, db, &k, nullptr);
  if (rc == MDB_NOTFOUND)
    return false;
  check(rc, "mdb_del");
  return true;
}

uint64_t txn::entries(MDB_dbi db) const {
  MDB_stat st;
  check(mdb_stat(txn_, db, &st), "mdb_stat");
  return st.ms_entries;
}

cursor::cursor(const txn& t, MDB_dbi db) {
  check(mdb_cursor_open(t.get(), db, &cur_), "mdb_cursor_open");
}

cursor::~cursor() {
  mdb_cursor_close(cur_);
}

bool cursor::move(MDB_cursor_op op) {
  int rc = mdb_cursor_get(cur_, &key_, &val_, op);
  if (rc == MDB_NOTFOUND)
    return false;
  check(rc, "mdb_cursor_get");
  return true;
}

bool cursor::seek(std::string_view key) {
  key_ = to_val(key);
  return move(MDB_SET_RANGE);
}

bool cursor::first() {
  return move(MDB_FIRST);
}

bool cursor::last() {
  return move(MDB_LAST);
}

bool cursor::next() {
  return move(MDB_NEXT);
}

void cursor::del() {
  check(mdb_cursor_del(cur_, 0), "mdb_cursor_del");
}

} // namespace p2p::lmdb
