#pragma once
// The node's log: one line per event on stderr, whole (one write(2) each),
// from any thread. A line has the time (ISO-8601 UTC, ms), the level, the
// component and a message, then fields:
//
//   text: 2026-12-02T17:01:02.345Z INFO link: up remote=ab12 direction=outbound url=http://h:1
//   json: {"time":"2026-12-02T17:01:02.345Z","level":"info","component":"link","msg":"up",...}
//
// A text field's value is bare when it is plain printable ASCII (no space,
// quote, '=' or backslash), otherwise a JSON string. Every line is valid
// UTF-8 and one line: bytes that are not UTF-8 become U+FFFD, and control
// characters, line and paragraph separators (U+0085, U+2028, U+2029) and
// bidi controls are escaped (\uXXXX), in the message too. Text that a peer
// or client sent belongs in a field, never in the message. The level and format are
// process-wide: the launcher sets them from --log-level and --log-format;
// an application that embeds the library gets warn and text unless it
// calls configure(). Public (p2psync/p2psync.hpp includes it); built in
// p2p_protocol so that storage can log too.
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>

namespace p2p::log {

enum class level : int { debug = 0, info = 1, warn = 2, error = 3 };
enum class format : int { text = 0, json = 1 };

/// "debug", "info", "warn", "error"; false for anything else.
bool parse_level(std::string_view text, level& out);
/// "text", "json"; false for anything else.
bool parse_format(std::string_view text, format& out);

void configure(level min, format f);
bool enabled(level l);

/// A key and its value; numbers stay numbers in JSON.
struct field {
  field(std::string_view k, std::string v) : key(k), value(std::move(v)) {
  }
  field(std::string_view k, const char* v) : key(k), value(v) {
  }
  field(std::string_view k, std::string_view v) : key(k), value(v) {
  }
  field(std::string_view k, uint64_t v)
    : key(k), value(std::to_string(v)), number(true) {
  }
  field(std::string_view k, int64_t v)
    : key(k), value(std::to_string(v)), number(true) {
  }
  field(std::string_view k, int v) : field(k, static_cast<int64_t>(v)) {
  }
  field(std::string_view k, unsigned v) : field(k, static_cast<uint64_t>(v)) {
  }
  field(std::string_view k, long long v)
    : field(k, static_cast<int64_t>(v)) {
  }
  field(std::string_view k, unsigned long long v)
    : field(k, static_cast<uint64_t>(v)) {
  }
  std::string_view key;
  std::string value;
  bool number = false;
};

/// The line (with its newline) as write() sends it; `unix_ms` is the time.
std::string format_line(format f, int64_t unix_ms, level l,
                        std::string_view component, std::string_view msg,
                        std::initializer_list<field> fields);

/// The same with fields [first, last), for a caller that builds them.
std::string format_line(format f, int64_t unix_ms, level l,
                        std::string_view component, std::string_view msg,
                        const field* first, const field* last);

/// Writes the line when `l` is at or above the configured level.
void write(level l, std::string_view component, std::string_view msg,
           std::initializer_list<field> fields = {});
void write(level l, std::string_view component, std::string_view msg,
           const field* first, const field* last);

/// The longest prefix of `s` of at most `max_bytes` that does not end in
/// the middle of a UTF-8 character.
std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes);

inline void debug(std::string_view c, std::string_view m,
                  std::initializer_list<field> f = {}) {
  write(level::debug, c, m, f);
}
inline void info(std::string_view c, std::string_view m,
                 std::initializer_list<field> f = {}) {
  write(level::info, c, m, f);
}
inline void warn(std::string_view c, std::string_view m,
                 std::initializer_list<field> f = {}) {
  write(level::warn, c, m, f);
}
inline void error(std::string_view c, std::string_view m,
                  std::initializer_list<field> f = {}) {
  write(level::error, c, m, f);
}

/// At most one line per interval for an event that can repeat with
/// traffic (a refused token, say); the lines held back are counted and the
/// next line that goes out says how many (`suppressed=N`).
class rate_limiter {
public:
  explicit rate_limiter(int64_t interval_ms) : interval_ms_(interval_ms) {
  }
  /// True when a line may go out now; `suppressed` is then the number held
  /// back since the last one.
  bool allow(uint64_t& suppressed);

private:
  int64_t interval_ms_;
  std::atomic<int64_t> next_ms_{INT64_MIN};
  std::atomic<uint64_t> held_{0};
};

/// Up to `burst` lines per window of `window_ms` for an event that comes in
/// bursts (links up and down): ordinary traffic is logged whole, a flood is
/// cut to `burst` lines a window, and the next line that goes out says how
/// many were held back (`suppressed`).
class burst_limiter {
public:
  burst_limiter(int64_t window_ms, uint64_t burst)
    : window_ms_(window_ms), burst_(burst) {
  }
  bool allow(uint64_t& suppressed);
  /// allow() at a given steady time (ms), for tests.
  bool allow_at(int64_t now_ms, uint64_t& suppressed);
  /// The lines held back and not yet reported; reported by the caller now.
  uint64_t take_held();

private:
  std::mutex mutex_;
  int64_t window_ms_;
  uint64_t burst_;
  int64_t window_start_ = INT64_MIN;
  uint64_t used_ = 0;
  uint64_t held_ = 0;
};

} // namespace p2p::log
