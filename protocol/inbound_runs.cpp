#include "protocol/inbound_runs.hpp"

#include <algorithm>

namespace p2p {

bool holds_at_least(hlc_time held_time, const std::string& held_origin,
                    const wire::item_id& announced) {
  return (held_time == announced.time && held_origin == announced.origin)
         || stamp_wins(held_time, held_origin, announced.time,
                       announced.origin);
}

inbound_runs::inbound_runs(inbound_limits limits) : limits_(limits) {
}

bool inbound_runs::expect_applied(
  uint64_t upto, uint64_t& token, std::vector<wire::item_id> missing,
  time_point now, std::optional<std::chrono::milliseconds> delay) {
  if (!announced(upto, std::move(missing), now, delay))
    return false;
  token = runs_.back().token = next_token_++;
  return true;
}

void inbound_runs::applied(uint64_t token) {
  for (auto& r : runs_)
    if (r.token == token)
      r.token = 0;
}

bool inbound_runs::announced(uint64_t upto,
                             std::vector<wire::item_id> missing,
                             time_point now,
                             std::optional<std::chrono::milliseconds> delay) {
  if (runs_.size() >= limits_.max_runs)
    return false;
  run r;
  r.upto = upto;
  r.missing.reserve(missing.size());
  for (auto& id : missing)
    r.missing.push_back(
      {std::move(id), now, now + delay.value_or(limits_.graft_after), {}});
  runs_.push_back(std::move(r));
  return true;
}

std::optional<std::chrono::milliseconds>
inbound_runs::recheck(const held_fn& held, time_point now) {
  std::optional<std::chrono::milliseconds> lag;
  for (auto& r : runs_)
    r.missing.erase(
      std::remove_if(r.missing.begin(), r.missing.end(),
                     [&](const missing_id& m) {
                       if (!held(m.id))
                         return false;
                       if (!m.grafted_at && now > m.announced_at) {
                         auto waited = std::chrono::duration_cast<
                           std::chrono::milliseconds>(now - m.announced_at);
                         lag = std::max(lag.value_or(waited), waited);
                       }
                       return true;
                     }),
      r.missing.end());
  return lag;
}

std::vector<wire::item_id>
inbound_runs::due(time_point now, const claim_fn& claim,
                  std::optional<std::chrono::milliseconds> retry) {
  std::vector<wire::item_id> out;
  for (auto& r : runs_)
    for (auto& m : r.missing) {
      if (m.grafted_at || m.graft_at > now)
        continue;
      if (claim && !claim(m.id)) {
        m.graft_at = now + retry.value_or(limits_.graft_after);
        continue;
      }
      m.grafted_at = now;
      out.push_back(m.id);
    }
  return out;
}

bool inbound_runs::overdue(time_point now) const {
  for (const auto& r : runs_)
    for (const auto& m : r.missing)
      if (m.grafted_at && *m.grafted_at + limits_.answer_within <= now)
        return true;
  return false;
}

std::optional<inbound_runs::time_point> inbound_runs::next_deadline() const {
  std::optional<time_point> next;
  for (const auto& r : runs_)
    for (const auto& m : r.missing) {
      auto at = m.grafted_at ? *m.grafted_at + limits_.answer_within
                             : m.graft_at;
      if (!next || at < *next)
        next = at;
    }
  return next;
}

std::vector<uint64_t> inbound_runs::ackable() {
  std::vector<uint64_t> out;
  while (!runs_.empty() && runs_.front().token == 0
         && runs_.front().missing.empty()) {
    out.push_back(runs_.front().upto);
    runs_.pop_front();
  }
  return out;
}

std::size_t inbound_runs::missing() const {
  std::size_t n = 0;
  for (const auto& r : runs_)
    n += r.missing.size();
  return n;
}

void inbound_runs::clear() {
  runs_.clear();
}

} // namespace p2p
