#include "actors/link/link_log.hpp"

#include "p2psync/log.hpp"

namespace p2p::link_log {

namespace {

const char* direction(bool outbound) {
  return outbound ? "outbound" : "inbound";
}

log::field place(bool outbound, const std::string& where) {
  return {outbound ? "url" : "address", where};
}

} // namespace

void up(const std::string& remote, bool outbound, const std::string& where) {
  log::info("link", "up",
            {{"remote", remote},
             {"direction", direction(outbound)},
             place(outbound, where)});
}

void down(const std::string& remote, bool outbound, const std::string& where,
          const std::string& reason) {
  log::info("link", "down",
            {{"remote", remote},
             {"direction", direction(outbound)},
             place(outbound, where),
             {"reason", reason}});
}

void dial_failed(const std::string& url, const std::string& reason,
                 int64_t retry_in_ms) {
  if (retry_in_ms < 0)
    log::info("link", "dial failed",
              {{"url", url}, {"reason", reason}, {"retry", "overlay"}});
  else
    log::info("link", "dial failed",
              {{"url", url}, {"reason", reason}, {"retry_in_ms", retry_in_ms}});
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
