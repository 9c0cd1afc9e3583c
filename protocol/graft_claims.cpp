#include "protocol/graft_claims.hpp"

#include <algorithm>
#include <functional>
#include <string_view>
#include <vector>

namespace p2p {

graft_claims::graft_claims(std::chrono::milliseconds hold,
                           std::size_t max_entries)
  : hold_(hold), max_entries_(std::max<std::size_t>(max_entries, 2)) {
}

uint64_t graft_claims::key(const wire::item_id& id) {
  // A collision only delays one graft by `hold`: no update is lost by it.
  auto h = std::hash<std::string_view>{}(id.path);
  h ^= std::hash<std::string_view>{}(id.origin) + 0x9e3779b97f4a7c15ull
       + (h << 6) + (h >> 2);
  return h ^ (id.time * 0xff51afd7ed558ccdull);
}

bool graft_claims::claim(const wire::item_id& id, time_point now,
                         std::chrono::milliseconds waited) {
  std::lock_guard<std::mutex> guard(mtx_);
  if (waited < max_wait && now - last_push_ < quiet)
    return false;
  auto& until = until_[key(id)];
  if (until > now)
    return false;
  until = now + hold_;
  if (until_.size() > max_entries_)
    trim(now);
  return true;
}

void graft_claims::trim(time_point now) {
  for (auto i = until_.begin(); i != until_.end();)
    i = i->second <= now ? until_.erase(i) : std::next(i);
  if (until_.size() <= max_entries_ / 2)
    return;
  // Everything still stands (a flood of announcements): forget the oldest
  // half; those updates may be grafted twice, nothing worse.
  std::vector<time_point> times;
  times.reserve(until_.size());
  for (const auto& [k, t] : until_)
    times.push_back(t);
  auto mid = times.begin() + times.size() / 2;
  std::nth_element(times.begin(), mid, times.end());
  for (auto i = until_.begin(); i != until_.end();)
    i = i->second <= *mid ? until_.erase(i) : std::next(i);
}

void graft_claims::pushed(time_point now) {
  std::lock_guard<std::mutex> guard(mtx_);
  last_push_ = std::max(last_push_, now);
}

std::size_t graft_claims::size() const {
  std::lock_guard<std::mutex> guard(mtx_);
  return until_.size();
}

} // namespace p2p
