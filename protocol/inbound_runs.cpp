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

inbound_runs::admission
inbound_runs::expect_applied(uint64_t upto, std::vector<wire::item_id> missing,
                             time_point now) {
  auto a = announced(upto, std::move(missing), now);
  if (a.ok)
    a.token = runs_.back().token = next_token_++;
  return a;
}

void inbound_runs::applied(uint64_t token) {
  for (auto& r : runs_)
    if (r.token == token)
      r.token = 0;
}

inbound_runs::admission
inbound_runs::announced(uint64_t upto, std::vector<wire::item_id> missing,
                        time_point now) {
  admission a;
  auto waiting = this->missing();
  if (runs_.size() >= limits_.max_runs
      || waiting + missing.size() > limits_.max_missing)
    return a;
  a.ok = true;
  a.checkpoint_later = waiting > 0 || !missing.empty();
  run r;
  r.upto = upto;
  r.checkpoint_later = a.checkpoint_later;
  r.missing.reserve(missing.size());
  for (auto& id : missing)
    r.missing.push_back({std::move(id), now, now + limits_.graft_after, {}});
  runs_.push_back(std::move(r));
  return a;
}

void inbound_runs::recheck(const held_fn& held) {
  for (auto& r : runs_)
    r.missing.erase(std::remove_if(r.missing.begin(), r.missing.end(),
                                   [&](const missing_id& m) {
                                     return held(m.id);
                                   }),
                    r.missing.end());
}

void inbound_runs::give_up(const std::vector<std::string>& paths) {
  if (paths.empty())
    return;
  recheck([&](const wire::item_id& id) {
    return std::find(paths.begin(), paths.end(), id.path) != paths.end();
  });
}

std::vector<wire::item_id> inbound_runs::due(time_point now,
                                             const claim_fn& claim) {
  std::vector<wire::item_id> out;
  for (auto& r : runs_)
    for (auto& m : r.missing) {
      if (m.grafted_at || m.graft_at > now)
        continue;
      auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
        now - m.announced_at);
      if (claim && !claim(m.id, waited)) {
        m.graft_at = now + limits_.graft_after;
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
  std::size_t unresolved = 0;
  for (auto& r : runs_) {
    if (r.acked) {
      unresolved += r.missing.empty() ? 0 : 1;
      continue;
    }
    if (r.token != 0 || unresolved >= limits_.max_unresolved)
      break; // in order: not past a run still being applied
    r.acked = true;
    out.push_back(r.upto);
    unresolved += r.missing.empty() ? 0 : 1;
  }
  return out;
}

std::optional<uint64_t> inbound_runs::resolved_checkpoint() {
  std::optional<uint64_t> write;
  while (!runs_.empty() && runs_.front().acked
         && runs_.front().missing.empty()) {
    if (runs_.front().checkpoint_later)
      write = runs_.front().upto;
    runs_.pop_front();
  }
  return write;
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
