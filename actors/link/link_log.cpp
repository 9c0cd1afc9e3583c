#include "actors/link/link_log.hpp"

#include "p2psync/log.hpp"

#include <chrono>
#include <vector>

namespace p2p::link_log {

namespace {

constexpr int64_t window_ms = 10'000;
constexpr uint64_t burst = 20;

log::burst_limiter up_limit(window_ms, burst);
log::burst_limiter down_limit(window_ms, burst);
log::burst_limiter dial_limit(window_ms, burst);
dial_quieter dials;

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch())
    .count();
}

const char* direction(bool outbound) {
  return outbound ? "outbound" : "inbound";
}

log::field place(bool outbound, const std::string& where) {
  return {outbound ? "url" : "address", where};
}

/// An info line through `limit` (none: logged whatever came before), with
/// `suppressed=N` when lines were held.
void limited(log::burst_limiter* limit, const char* msg,
             std::vector<log::field> fields) {
  if (!log::enabled(log::level::info))
    return;
  uint64_t suppressed = 0;
  if (limit != nullptr && !limit->allow(suppressed))
    return;
  if (suppressed > 0)
    fields.emplace_back("suppressed", suppressed);
  log::write(log::level::info, "link", msg, fields.data(),
             fields.data() + fields.size());
}

} // namespace

bool dial_quieter::failed(const std::string& url, int64_t now_ms,
                          uint64_t& failures) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (streaks_.size() >= max_urls && streaks_.find(url) == streaks_.end()) {
    for (auto it = streaks_.begin(); it != streaks_.end();)
      it = now_ms - it->second.last_ms > streak_gap_ms ? streaks_.erase(it)
                                                        : std::next(it);
    if (streaks_.size() >= max_urls)
      streaks_.clear(); // many URLs failing at once: start afresh
  }
  auto& s = streaks_[url];
  if (s.failures > 0 && now_ms - s.last_ms > streak_gap_ms)
    s = streak{};
  s.last_ms = now_ms;
  failures = ++s.failures;
  if (failures > loud_failures && now_ms - s.logged_ms < interval_ms)
    return false;
  s.logged_ms = now_ms;
  return true;
}

void dial_quieter::succeeded(const std::string& url) {
  std::lock_guard<std::mutex> guard(mutex_);
  streaks_.erase(url);
}

void up(const std::string& remote, bool outbound, const std::string& where) {
  if (outbound)
    dials.succeeded(where);
  limited(outbound ? nullptr : &up_limit, "up",
          {{"remote", remote}, {"direction", direction(outbound)},
           place(outbound, where)});
}

void down(const std::string& remote, bool outbound, const std::string& where,
          const std::string& reason) {
  limited(outbound ? nullptr : &down_limit, "down",
          {{"remote", remote},
           {"direction", direction(outbound)},
           place(outbound, where),
           {"reason", reason}});
}

void dial_failed(const std::string& url, const std::string& reason,
                 int64_t retry_in_ms) {
  uint64_t failures = 0;
  bool loud = dials.failed(url, steady_ms(), failures);
  std::vector<log::field> fields{{"url", url}, {"reason", reason}};
  if (retry_in_ms < 0)
    fields.emplace_back("retry", "overlay");
  else
    fields.emplace_back("retry_in_ms", retry_in_ms);
  if (failures > dial_quieter::loud_failures)
    fields.emplace_back("failures", failures);
  if (loud)
    limited(&dial_limit, "dial failed", std::move(fields));
  else if (log::enabled(log::level::debug))
    log::write(log::level::debug, "link", "dial failed", fields.data(),
               fields.data() + fields.size());
}

void report_held() {
  uint64_t ups = up_limit.take_held();
  uint64_t downs = down_limit.take_held();
  uint64_t dials_held = dial_limit.take_held();
  if (ups + downs + dials_held > 0)
    log::info("link", "held back",
              {{"up", ups}, {"down", downs}, {"dial_failed", dials_held}});
}

void secret_refused(const std::string& claimed_id, bool outbound,
                    const char* why) {
  static log::rate_limiter limit(10'000);
  uint64_t suppressed = 0;
  if (limit.allow(suppressed))
    log::warn("link", "secret refused",
              {{"claimed_id", claimed_id},
               {"direction", direction(outbound)},
               {"reason", why},
               {"suppressed", suppressed}});
}

} // namespace p2p::link_log
