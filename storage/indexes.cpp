#include "storage/indexes.hpp"

#include "protocol/json_pointer.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/sort_key.hpp"
#include "storage/lmdb.hpp"
#include "storage/record.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <optional>

namespace p2p {

std::string index_id_key(uint32_t id) {
  std::string out(4, '\0');
  for (int i = 3; i >= 0; --i, id >>= 8)
    out[i] = static_cast<char>(id & 0xFF);
  return out;
}

namespace {

std::optional<boost::json::value> parse_live(std::string_view json) {
  if (json.empty() || json == "null")
    return std::nullopt; // absent, or a tombstone
  boost::system::error_code ec;
  auto root = boost::json::parse(json, ec);
  if (ec)
    return std::nullopt;
  return root;
}

std::string entry_key(const index_def& def, std::string_view path,
                      const std::optional<boost::json::value>& root) {
  if (!root)
    return {};
  const auto* field = resolve_pointer(*root, def.field);
  auto key = field ? sort_key(*field) : std::nullopt;
  if (!key)
    return {};
  auto out = index_id_key(def.id);
  out += *key;
  out.append(path.data(), path.size());
  return out;
}

} // namespace

std::string index_entry_key(const index_def& def, std::string_view path,
                            std::string_view json) {
  return entry_key(def, path, parse_live(json));
}

std::optional<std::pair<std::string, std::string>>
parse_index_spec(std::string_view json) {
  boost::system::error_code ec;
  auto v = boost::json::parse(json, ec);
  const auto* obj = ec ? nullptr : v.if_object();
  const auto* prefix = obj ? obj->if_contains("prefix") : nullptr;
  const auto* field = obj ? obj->if_contains("field") : nullptr;
  if (!prefix || !field || !prefix->is_string() || !field->is_string())
    return std::nullopt;
  return std::pair{std::string(prefix->get_string()),
                   std::string(field->get_string())};
}

void index_store::open(lmdb::txn& t) {
  defs_ = t.open_db("index_defs");
  entries_ = t.open_db("index_entries");
}

std::vector<index_def> index_store::load(const lmdb::txn& t) const {
  std::vector<index_def> out;
  lmdb::cursor c(t, defs_);
  for (bool ok = c.first(); ok; ok = c.next()) {
    auto key = c.key();
    if (key.size() != 4)
      continue;
    auto spec = parse_index_spec(c.value());
    if (!spec)
      continue;
    uint32_t id = 0;
    for (unsigned char b : key)
      id = id << 8 | b;
    out.push_back({id, std::move(spec->first), std::move(spec->second)});
  }
  return out;
}

std::pair<index_def, uint64_t> index_store::create(lmdb::txn& t,
                                                   unsigned records,
                                                   const std::string& prefix,
                                                   const std::string& field) {
  auto defs = load(t);
  uint32_t next_id = 1;
  for (const auto& d : defs) {
    if (d.prefix == prefix && d.field == field)
      return {d, 0};
    next_id = std::max(next_id, d.id + 1);
  }
  // Checked here, inside the write transaction, so that two creations at
  // once cannot both pass.
  if (defs.size() >= max_indexes)
    throw too_many_indexes();
  index_def def{next_id, prefix, field};
  boost::json::object desc;
  desc["prefix"] = prefix;
  desc["field"] = field;
  t.put(defs_, index_id_key(def.id), json_text(desc));
  uint64_t built = 0;
  lmdb::cursor c(t, records);
  for (bool ok = prefix.empty() ? c.first() : c.seek(prefix); ok;
       ok = c.next()) {
    auto path = c.key();
    if (path.compare(0, prefix.size(), prefix) != 0)
      break;
    auto rec = view_record(c.value());
    if (!rec)
      continue;
    auto key = index_entry_key(def, path, rec->value);
    if (key.empty())
      continue;
    t.put(entries_, key, std::string_view("", 0));
    ++built;
  }
  return {def, built};
}

bool index_store::drop(lmdb::txn& t, std::string_view prefix,
                       std::string_view field) {
  for (const auto& d : load(t)) {
    if (d.prefix != prefix || d.field != field)
      continue;
    auto id = index_id_key(d.id);
    t.del(defs_, id);
    lmdb::cursor c(t, entries_);
    while (c.seek(id) && c.key().compare(0, 4, id) == 0)
      c.del();
    return true;
  }
  return false;
}

void index_store::on_change(lmdb::txn& t, const std::vector<index_def>& defs,
                            std::string_view path, std::string_view old_json,
                            std::string_view new_json) const {
  // Each value is parsed once, however many indexes cover the path.
  std::optional<std::optional<boost::json::value>> old_root, new_root;
  for (const auto& def : defs) {
    if (path.compare(0, def.prefix.size(), def.prefix) != 0)
      continue;
    if (!old_root) {
      old_root = parse_live(old_json);
      new_root = parse_live(new_json);
    }
    auto old_key = entry_key(def, path, *old_root);
    auto new_key = entry_key(def, path, *new_root);
    if (old_key == new_key)
      continue;
    if (!old_key.empty())
      t.del(entries_, old_key);
    if (!new_key.empty())
      t.put(entries_, new_key, std::string_view("", 0));
  }
}

} // namespace p2p
