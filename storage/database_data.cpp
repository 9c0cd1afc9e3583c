// The database's data features: field indexes (kept in the write
// transaction, see try_apply), schemas and queries.
#include "storage/database_internal.hpp"

namespace p2p {

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

} // namespace p2p
