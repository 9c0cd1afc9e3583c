#include "apps/sim/ledger.hpp"

#include <unordered_map>

namespace p2p::sim {

void ledger::acknowledged(const update& u) {
  auto [it, fresh] = winners_.try_emplace(u.path, u);
  if (!fresh
      && version_wins(u.time, u.origin, u.value, it->second.time,
                      it->second.origin, it->second.value))
    it->second = u;
}

std::string ledger::compare(const std::vector<update>& live) const {
  std::unordered_map<std::string_view, const update*> by_path;
  by_path.reserve(live.size());
  for (const auto& u : live)
    by_path.emplace(u.path, &u);
  std::string out;
  std::size_t wrong = 0;
  for (const auto& [path, want] : winners_) {
    auto it = by_path.find(path);
    const update* got = it == by_path.end() ? nullptr : it->second;
    bool ok = want.is_tombstone() ? got == nullptr : got && *got == want;
    if (ok || ++wrong > 3)
      continue;
    out += (out.empty() ? "" : "; ") + path + ": acknowledged "
           + (want.is_tombstone() ? std::string("delete") : want.value)
           + " (origin " + want.origin + "), has "
           + (got ? got->value + " (origin " + got->origin + ")"
                  : std::string("nothing"));
  }
  if (wrong > 3)
    out += "; and " + std::to_string(wrong - 3) + " more";
  return out;
}

} // namespace p2p::sim
