#include "storage/query_runner.hpp"

#include "protocol/json_pointer.hpp"
#include "protocol/sort_key.hpp"
#include "storage/lmdb.hpp"
#include "storage/record.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <queue>

namespace p2p {

namespace {

/// The sort key + path of a live record that matches, or empty.
std::string match_position(const compiled_query& cq, const std::string& field,
                           std::string_view path, std::string_view json) {
  if (json == "null")
    return {};
  boost::system::error_code ec;
  auto root = boost::json::parse(json, ec);
  if (ec)
    return {};
  const auto* v = resolve_pointer(root, field);
  if (!v || !cq.matches(*v))
    return {};
  auto out = *sort_key(*v);
  out.append(path.data(), path.size());
  return out;
}

query_result by_index(const lmdb::txn& t, unsigned records, unsigned entries,
                      const index_def& def, const field_query& q,
                      const compiled_query& cq) {
  query_result out;
  out.index = def;
  auto id = index_id_key(def.id);
  const auto& start = std::max(cq.first_key(), q.after);
  std::string last;
  lmdb::cursor c(t, entries);
  for (bool ok = c.seek(id + start); ok; ok = c.next()) {
    auto key = c.key();
    if (key.compare(0, id.size(), id) != 0)
      break;
    auto rest = key.substr(id.size());
    auto key_len = sort_key_length(rest);
    if (cq.past_end(rest.substr(0, key_len)))
      break;
    if (!q.after.empty() && rest <= q.after)
      continue;
    ++out.examined;
    auto path = rest.substr(key_len);
    if (path.compare(0, q.prefix.size(), q.prefix) != 0)
      continue;
    std::string_view raw;
    if (!t.get(records, path, raw))
      continue;
    auto rec = decode_record(path, raw);
    // The key may be cut short (long strings): check the stored value.
    if (!rec || match_position(cq, q.field, path, rec->u.value).empty())
      continue;
    if (out.results.size() == q.limit) {
      out.next = encode_cursor(last);
      break;
    }
    out.results.push_back(std::move(rec->u));
    last = std::string(rest);
  }
  return out;
}

// Keeps the `limit + 1` smallest positions in a max-heap, so memory stays
// bounded by the page, not by the matches.
query_result by_scan(const lmdb::txn& t, unsigned records, const field_query& q,
                     const compiled_query& cq) {
  query_result out;
  using item = std::pair<std::string, update>;
  auto less = [](const item& a, const item& b) { return a.first < b.first; };
  std::priority_queue<item, std::vector<item>, decltype(less)> best(less);
  lmdb::cursor c(t, records);
  for (bool ok = q.prefix.empty() ? c.first() : c.seek(q.prefix); ok;
       ok = c.next()) {
    auto path = c.key();
    if (path.compare(0, q.prefix.size(), q.prefix) != 0)
      break;
    auto rec = view_record(c.value());
    if (!rec || rec->value == "null")
      continue;
    ++out.examined;
    auto pos = match_position(cq, q.field, path, rec->value);
    if (pos.empty() || (!q.after.empty() && pos <= q.after))
      continue;
    if (best.size() == q.limit + 1 && !(pos < best.top().first))
      continue;
    best.push({std::move(pos), decode_record(path, c.value())->u});
    if (best.size() > q.limit + 1)
      best.pop();
  }
  std::vector<item> page;
  page.reserve(best.size());
  for (; !best.empty(); best.pop())
    page.push_back(std::move(const_cast<item&>(best.top())));
  std::reverse(page.begin(), page.end());
  if (page.size() > q.limit) {
    page.pop_back();
    out.next = encode_cursor(page.back().first);
  }
  for (auto& [pos, u] : page)
    out.results.push_back(std::move(u));
  return out;
}

} // namespace

std::optional<index_def> choose_index(const std::vector<index_def>& defs,
                                      const std::string& prefix,
                                      const std::string& field) {
  const index_def* best = nullptr;
  for (const auto& d : defs)
    if (d.field == field && prefix.compare(0, d.prefix.size(), d.prefix) == 0
        && (!best || d.prefix.size() > best->prefix.size()))
      best = &d;
  if (!best)
    return std::nullopt;
  return *best;
}

query_result run_query(const lmdb::txn& t, unsigned records,
                       unsigned index_entries,
                       const std::vector<index_def>& defs,
                       const field_query& q, const compiled_query& cq) {
  auto def = choose_index(defs, q.prefix, q.field);
  if (def && q.use_index)
    return by_index(t, records, index_entries, *def, q, cq);
  return by_scan(t, records, q, cq);
}

} // namespace p2p
