#pragma once
// The link events the node logs (README, "Logs"), in one place so that
// their lines stay as documented. `where` is the URL dialled (outbound) or
// the address the link came from (inbound).
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace p2p::link_log {

/// Ups, downs and dial failures: up to 20 lines of each kind per 10 s are
/// logged whole; past that (a client opening links in a loop) the lines are
/// held back and the next one that goes out carries `suppressed=N`. Links
/// this node dialled are never held back: a stranger cannot open them, so
/// a flood of inbound links cannot hide them.
void up(const std::string& remote, bool outbound, const std::string& where);

void down(const std::string& remote, bool outbound, const std::string& where,
          const std::string& reason);

/// retry_in_ms < 0: a dial of the overlay's, which logs its own backoff.
/// A URL that keeps failing is logged at info for its first 3 failures in
/// a row, then at most once a minute (with `failures=N`, in a row so far);
/// the others go out at debug. Its link coming up ends the streak.
void dial_failed(const std::string& url, const std::string& reason,
                 int64_t retry_in_ms);

/// Says how many up, down and dial-failed lines are held back still (a
/// flood that stopped leaves no later line to report them); at shutdown.
void report_held();

/// A peer failed the cluster secret; at most one line every 10 s, with the
/// count of those held back (a stranger redialling cannot flood the log).
void secret_refused(const std::string& claimed_id, bool outbound,
                    const char* why);

/// Which dial failures of a URL are worth an info line (dial_failed).
class dial_quieter {
public:
  static constexpr uint64_t loud_failures = 3;
  static constexpr int64_t interval_ms = 60'000;
  /// A streak with no failure for this long is over (the link came up).
  static constexpr int64_t streak_gap_ms = 600'000;
  static constexpr std::size_t max_urls = 1024;

  /// Counts a failure of `url` at `now_ms` (steady); true when it is to be
  /// logged at info. `failures` is then the count in a row so far.
  bool failed(const std::string& url, int64_t now_ms, uint64_t& failures);
  /// The URL's link is up: its next failure starts a new streak.
  void succeeded(const std::string& url);

private:
  struct streak {
    uint64_t failures = 0;
    int64_t last_ms = 0;
    int64_t logged_ms = 0;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, streak> streaks_;
};

} // namespace p2p::link_log
