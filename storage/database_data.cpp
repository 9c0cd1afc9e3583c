// The database's data features: field indexes (kept in the write
// transaction, see apply_in), schemas and queries.
#include "storage/database_internal.hpp"

namespace p2p {

// Every writer reloads its cached definitions (index_defs) after this.
void database::indexes_changed(lmdb::txn& t) {
  write_u64(t, meta_, index_generation_key,
            read_u64(t, meta_, index_generation_key) + 1);
}

const std::vector<index_def>& database::index_defs(const lmdb::txn& t) {
  auto generation = read_u64(t, meta_, index_generation_key);
  if (generation != index_generation_) {
    index_defs_ = indexes_.load(t);
    index_generation_ = generation;
  }
  return index_defs_;
}

std::pair<index_def, uint64_t>
database::create_index(const std::string& prefix, const std::string& field) {
  std::pair<index_def, uint64_t> out;
  write([&](lmdb::txn& t) {
    out = indexes_.create(t, records_, prefix, field);
    indexes_changed(t);
  });
  return out;
}

bool database::drop_index(const std::string& prefix, const std::string& field) {
  bool dropped = false;
  write([&](lmdb::txn& t) {
    dropped = indexes_.drop(t, prefix, field);
    indexes_changed(t);
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

namespace p2p {

// Settings share the meta table under a prefix no meta key of ours has.
std::string database::setting(std::string_view key) const {
  reader r(*this);
  std::string_view value;
  if (!r.txn.get(meta_, "setting/" + std::string(key), value))
    return {};
  return std::string(value);
}

void database::set_setting(std::string_view key, const std::string& value) {
  write([&](lmdb::txn& t) {
    t.put(meta_, "setting/" + std::string(key), value);
  });
}

} // namespace p2p
