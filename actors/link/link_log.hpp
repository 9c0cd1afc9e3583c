#pragma once
// The link events the node logs (README, "Logs"), in one place so that
// their lines stay as documented. `where` is the URL dialled (outbound) or
// the address the link came from (inbound).
#include <cstdint>
#include <string>

namespace p2p::link_log {

void up(const std::string& remote, bool outbound, const std::string& where);

void down(const std::string& remote, bool outbound, const std::string& where,
          const std::string& reason);

/// retry_in_ms < 0: a dial of the overlay's, which logs its own backoff.
void dial_failed(const std::string& url, const std::string& reason,
                 int64_t retry_in_ms);

/// A peer failed the cluster secret; at most one line every 10 s, with the
/// count of those held back (a stranger redialling cannot flood the log).
void secret_refused(const std::string& claimed_id, bool outbound,
                    const char* why);

} // namespace p2p::link_log
