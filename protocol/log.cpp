#include "p2psync/log.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <utility>
#include <unistd.h>

namespace p2p::log {

namespace {

std::atomic<int> min_level{static_cast<int>(level::warn)};
std::atomic<int> out_format{static_cast<int>(format::text)};
std::mutex write_mutex; // whole lines, even past PIPE_BUF

constexpr const char* level_names[] = {"debug", "info", "warn", "error"};
constexpr const char* level_upper[] = {"DEBUG", "INFO", "WARN", "ERROR"};

int64_t now_unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch())
    .count();
}

void append_time(std::string& out, int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(unix_ms % 1000));
  out += buf;
}

// The length of the UTF-8 character at s[i] (its code point in `cp`), or 0
// when the bytes there are not one (overlong, surrogate, cut short...).
std::size_t decode(std::string_view s, std::size_t i, char32_t& cp) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  std::size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
                  : c >= 0xf0 && c <= 0xf4                         ? 4
                                                                   : 0;
  if (n == 0 || i + n > s.size())
    return 0;
  unsigned char lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
  unsigned char hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
  if (b(1) < lo || b(1) > hi)
    return 0;
  char32_t v = c & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
  for (std::size_t k = 1; k < n; ++k) {
    if (k > 1 && (b(k) & 0xc0) != 0x80)
      return 0;
    v = (v << 6) | (b(k) & 0x3f);
  }
  cp = v;
  return n;
}

// Characters that end a line for some reader or reorder what follows.
bool risky(char32_t c) {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c || c == 0x200e
         || c == 0x200f || (c >= 0x2028 && c <= 0x202e)
         || (c >= 0x2066 && c <= 0x2069);
}

// `s` as valid UTF-8 on one line: risky characters as \uXXXX, bytes that
// are not UTF-8 as U+FFFD; `quoted` escapes '"' and '\' too (JSON).
void append_clean(std::string& out, std::string_view s, bool quoted) {
  for (std::size_t i = 0; i < s.size();) {
    char32_t c = 0;
    auto n = decode(s, i, c);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    if (quoted && (c == '"' || c == '\\')) {
      out += '\\';
      out += static_cast<char>(c);
    } else if (quoted && c == '\n') {
      out += "\\n";
    } else if (quoted && c == '\r') {
      out += "\\r";
    } else if (quoted && c == '\t') {
      out += "\\t";
    } else if (risky(c)) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  append_clean(out, s, true);
  out += '"';
}

// Bare in text: printable ASCII but for quote, '=' and backslash.
bool plain(std::string_view s) {
  if (s.empty())
    return false;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '=' || c == '\\')
      return false;
  }
  return true;
}

} // namespace

bool parse_level(std::string_view text, level& out) {
  for (int i = 0; i < 4; ++i)
    if (text == level_names[i]) {
      out = static_cast<level>(i);
      return true;
    }
  return false;
}

bool parse_format(std::string_view text, format& out) {
  if (text != "text" && text != "json")
    return false;
  out = text == "json" ? format::json : format::text;
  return true;
}

void configure(level min, format f) {
  min_level.store(static_cast<int>(min));
  out_format.store(static_cast<int>(f));
}

bool enabled(level l) {
  return static_cast<int>(l) >= min_level.load(std::memory_order_relaxed);
}

std::string format_line(format f, int64_t unix_ms, level l,
                        std::string_view component, std::string_view msg,
                        std::initializer_list<field> fields) {
  return format_line(f, unix_ms, l, component, msg, fields.begin(),
                     fields.end());
}

std::string format_line(format f, int64_t unix_ms, level l,
                        std::string_view component, std::string_view msg,
                        const field* first, const field* last) {
  std::string out;
  out.reserve(128);
  auto li = static_cast<int>(l);
  if (f == format::json) {
    out += "{\"time\":\"";
    append_time(out, unix_ms);
    out += "\",\"level\":\"";
    out += level_names[li];
    out += "\",\"component\":";
    append_json_string(out, component);
    out += ",\"msg\":";
    append_json_string(out, msg);
    for (const auto* fd = first; fd != last; ++fd) {
      out += ',';
      append_json_string(out, fd->key);
      out += ':';
      if (fd->number)
        out += fd->value;
      else
        append_json_string(out, fd->value);
    }
    out += "}\n";
    return out;
  }
  append_time(out, unix_ms);
  out += ' ';
  out += level_upper[li];
  out += ' ';
  append_clean(out, component, false);
  out += ": ";
  append_clean(out, msg, false);
  for (const auto* fd = first; fd != last; ++fd) {
    out += ' ';
    append_clean(out, fd->key, false);
    out += '=';
    if (fd->number || plain(fd->value))
      out += fd->value;
    else
      append_json_string(out, fd->value);
  }
  out += '\n';
  return out;
}

void write(level l, std::string_view component, std::string_view msg,
           std::initializer_list<field> fields) {
  write(l, component, msg, fields.begin(), fields.end());
}

void write(level l, std::string_view component, std::string_view msg,
           const field* first, const field* last) {
  if (!enabled(l))
    return;
  auto line = format_line(static_cast<format>(out_format.load()),
                          now_unix_ms(), l, component, msg, first, last);
  std::lock_guard<std::mutex> guard(write_mutex);
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) { // one write(2) unless the kernel takes part of it
    auto n = ::write(STDERR_FILENO, p, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

bool rate_limiter::allow(uint64_t& suppressed) {
  auto now = steady_ms();
  auto next = next_ms_.load();
  if (now >= next && next_ms_.compare_exchange_strong(next, now + interval_ms_)) {
    suppressed = held_.exchange(0);
    return true;
  }
  held_.fetch_add(1);
  return false;
}

std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes)
    return s;
  auto n = max_bytes; // s[n] is the first byte left out: not a continuation
  for (int k = 0; k < 3 && n > 0
                  && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80;
       ++k)
    --n;
  if ((static_cast<unsigned char>(s[n]) & 0xc0) == 0x80)
    n = max_bytes; // not UTF-8 anyway: the line replaces it
  return s.substr(0, n);
}

bool burst_limiter::allow(uint64_t& suppressed) {
  return allow_at(steady_ms(), suppressed);
}

bool burst_limiter::allow_at(int64_t now_ms, uint64_t& suppressed) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (window_start_ == INT64_MIN || now_ms - window_start_ >= window_ms_) {
    window_start_ = now_ms;
    used_ = 0;
  }
  if (used_ >= burst_) {
    ++held_;
    return false;
  }
  ++used_;
  suppressed = held_;
  held_ = 0;
  return true;
}

uint64_t burst_limiter::take_held() {
  std::lock_guard<std::mutex> guard(mutex_);
  return std::exchange(held_, 0);
}

} // namespace p2p::log
