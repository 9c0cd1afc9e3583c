#include "apps/sim/ledger.hpp"

#include "p2psync/hlc.hpp"

#include <unordered_map>

namespace p2p::sim {

namespace {

// "value (origin O, stamp MS+C)": the stamp as wall ms and counter.
std::string version(const update& u) {
  return (u.is_tombstone() ? std::string("delete") : u.value) + " (origin "
         + u.origin + ", stamp " + std::to_string(wall_ms_of(u.time)) + "+"
         + std::to_string(u.time & ((hlc_time{1} << hlc_counter_bits) - 1))
         + ")";
}

} // namespace

void ledger::acknowledged(const update& u) {
  auto [it, fresh] = winners_.try_emplace(u.path, u);
  if (!fresh
      && version_wins(u.time, u.origin, u.value, it->second.time,
                      it->second.origin, it->second.value))
    it->second = u;
}

std::size_t ledger::deletes() const {
  std::size_t n = 0;
  for (auto& [path, want] : winners_)
    n += want.is_tombstone();
  return n;
}

ledger_verdict ledger::verify(const std::vector<std::vector<update>>& live,
                              const std::vector<std::string>& names,
                              hlc_time horizon, bool deletes_only) const {
  std::vector<std::unordered_map<std::string_view, const update*>> by_path(
    live.size());
  for (std::size_t i = 0; i < live.size(); ++i) {
    by_path[i].reserve(live[i].size());
    for (const auto& u : live[i])
      by_path[i].emplace(u.path, &u);
  }
  ledger_verdict out;
  std::size_t wrong = 0;
  auto fail = [&](const std::string& what) {
    if (++wrong <= 3)
      out.failure += (out.failure.empty() ? "" : "; ") + what;
  };
  for (const auto& [path, want] : winners_) {
    if (deletes_only && !want.is_tombstone())
      continue;
    std::vector<const update*> got(live.size(), nullptr);
    std::size_t holders = 0;
    for (std::size_t i = 0; i < live.size(); ++i)
      if (auto it = by_path[i].find(path); it != by_path[i].end())
        got[i] = it->second, ++holders;
    if (want.is_tombstone()) {
      if (holders == 0) {
        ++out.deletes;
        continue;
      }
      for (std::size_t i = 0; i < live.size(); ++i)
        if (got[i]) {
          fail(path + " resurrected: " + names[i] + " holds "
               + version(*got[i]) + ", the acknowledged " + version(want)
               + " wins (" + std::to_string(holders) + " of "
               + std::to_string(live.size()) + " nodes hold it)");
          break;
        }
      continue;
    }
    if (holders == 0 && !live.empty()) {
      if (want.time < horizon)
        ++out.collected;
      else
        fail(path + ": the acknowledged " + version(want)
             + " is on no node, and not below the largest horizon ("
             + std::to_string(wall_ms_of(horizon)) + " ms)");
      continue;
    }
    bool ok = true;
    for (std::size_t i = 0; i < live.size() && ok; ++i)
      if (!got[i] || !(*got[i] == want)) {
        ok = false;
        fail(names[i] + " lost " + path + ": acknowledged " + version(want)
             + ", has " + (got[i] ? version(*got[i]) : "nothing") + " ("
             + std::to_string(holders) + " of " + std::to_string(live.size())
             + " nodes hold the path)");
      }
    out.values += ok;
  }
  if (wrong > 3)
    out.failure += "; and " + std::to_string(wrong - 3) + " more";
  return out;
}

} // namespace p2p::sim
