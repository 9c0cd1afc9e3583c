#include "p2psync/log.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
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

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += ch; // UTF-8 passes as it is
        }
    }
  }
  out += '"';
}

bool plain(std::string_view s) {
  if (s.empty())
    return false;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f || c == '"' || c == '=' || c == '\\')
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
    for (const auto& fd : fields) {
      out += ',';
      append_json_string(out, fd.key);
      out += ':';
      if (fd.number)
        out += fd.value;
      else
        append_json_string(out, fd.value);
    }
    out += "}\n";
    return out;
  }
  append_time(out, unix_ms);
  out += ' ';
  out += level_upper[li];
  out += ' ';
  out += component;
  out += ": ";
  out += msg;
  for (const auto& fd : fields) {
    out += ' ';
    out += fd.key;
    out += '=';
    if (fd.number || plain(fd.value))
      out += fd.value;
    else
      append_json_string(out, fd.value);
  }
  out += '\n';
  return out;
}

void write(level l, std::string_view component, std::string_view msg,
           std::initializer_list<field> fields) {
  if (!enabled(l))
    return;
  auto line = format_line(static_cast<format>(out_format.load()),
                          now_unix_ms(), l, component, msg, fields);
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

} // namespace p2p::log
