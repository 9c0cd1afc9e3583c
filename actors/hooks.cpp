#include "actors/hooks.hpp"

#include "protocol/json_parse.hpp"
#include "protocol/json_text.hpp"
#include "storage/database.hpp"

#include <boost/json/value.hpp>

#include <algorithm>

namespace p2p {

bool filter_read(const node_hooks& hooks, update& u) {
  if (!hooks.on_read)
    return true;
  boost::system::error_code ec;
  auto value = parse_json(u.value, ec); // exact: the hook may change nothing
  if (ec)
    return false;
  try {
    if (!hooks.on_read(u.path, value))
      return false;
  } catch (const std::exception&) {
    return false; // a hook that fails shows nothing rather than too much
  }
  std::string why;
  auto text = canonical_json(value, why);
  if (text.empty())
    return false; // the hook made something that is not JSON: hide it
  u.value = std::move(text);
  return true;
}

std::optional<update> read_live(const database& db, const node_hooks& hooks,
                                std::string_view path) {
  auto rec = db.get(path);
  if (!rec || rec->u.is_tombstone() || !filter_read(hooks, rec->u))
    return std::nullopt;
  return std::move(rec->u);
}

std::vector<update> read_scan(const database& db, const node_hooks& hooks,
                              std::string_view prefix, std::size_t limit) {
  if (!hooks.on_read || limit == 0) {
    auto entries = db.scan(prefix, limit);
    filter_reads(hooks, entries);
    return entries;
  }
  // The hook may hide entries, so `limit` entries read can show fewer:
  // read on, a page at a time, until `limit` are visible or the prefix
  // ends. The work is bounded as a scan without a limit is, by the entries
  // under the prefix (never more); memory by the answer plus one page.
  constexpr std::size_t min_page = 64, max_page = 1024;
  std::vector<update> out;
  std::string after;
  while (out.size() < limit) {
    auto want = std::clamp(limit - out.size(), min_page, max_page);
    auto page = db.scan(prefix, want, false, after);
    if (page.empty())
      break;
    after = page.back().path;
    bool last = page.size() < want; // the prefix ended within this page
    for (auto& u : page)
      if (out.size() < limit && filter_read(hooks, u))
        out.push_back(std::move(u));
    if (last)
      break;
  }
  return out;
}

void filter_reads(const node_hooks& hooks, std::vector<update>& entries) {
  if (!hooks.on_read)
    return;
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [&](update& u) { return !filter_read(hooks, u); }),
                entries.end());
}

} // namespace p2p
