// The database's reads: each takes its own LMDB snapshot, from any thread.
#include "storage/database_internal.hpp"

#include <algorithm>
#include <unordered_set>

namespace p2p {

std::optional<stored_record> database::get(std::string_view path) const {
  reader r(*this);
  std::string_view bytes;
  if (!r.txn.get(records_, path, bytes))
    return std::nullopt;
  return decode_record(path, bytes);
}

std::vector<update> database::scan(std::string_view prefix, std::size_t limit,
                                   bool with_tombstones, std::string_view after,
                                   std::size_t max_bytes) const {
  std::vector<update> out;
  std::size_t bytes = 0;
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
    bytes += rec->u.path.size() + rec->u.value.size();
    out.push_back(std::move(rec->u));
    if ((limit != 0 && out.size() >= limit)
        || (max_bytes != 0 && bytes >= max_bytes))
      break;
  }
  return out;
}

std::vector<update> database::export_page(std::string_view prefix,
                                          bool with_tombstones,
                                          std::string& after) const {
  // A page is read and written out on an HTTP I/O thread, which serves
  // other clients between pages: pages of 4 MiB held both threads for
  // hundreds of milliseconds with eight exports running.
  constexpr std::size_t page_entries = 256;
  constexpr std::size_t page_bytes = std::size_t{256} << 10;
  auto page = scan(prefix, page_entries, with_tombstones, after, page_bytes);
  if (!page.empty())
    after = page.back().path;
  return page;
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
  out.second = last_seq_in(r.txn);
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
  return last_seq_in(r.txn);
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
