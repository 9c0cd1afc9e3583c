#include "apps/transfer_progress.hpp"

#include <cstdio>
#include <ostream>

namespace p2p {

namespace {

constexpr auto redraw_interval = std::chrono::milliseconds(250);

} // namespace

transfer_progress::transfer_progress(std::ostream& err, std::string what,
                                     bool live)
  : err_(err), what_(std::move(what)), live_(live),
    start_(std::chrono::steady_clock::now()), drawn_(start_) {
}

double transfer_progress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now()
                                       - start_)
    .count();
}

double transfer_progress::mb_per_s() const {
  auto s = seconds();
  return s > 0 ? bytes_ / 1e6 / s : 0.0;
}

void transfer_progress::add(uint64_t entries, uint64_t bytes) {
  entries_ += entries;
  bytes_ += bytes;
  if (!live_)
    return;
  auto now = std::chrono::steady_clock::now();
  if (now - drawn_ < redraw_interval)
    return;
  drawn_ = now;
  char buf[128];
  std::snprintf(buf, sizeof buf, "\rp2p-node %s: %llu entries, %.1f MB/s\x1b[K",
                what_.c_str(), static_cast<unsigned long long>(entries_),
                mb_per_s());
  err_ << buf << std::flush;
  drawn_any_ = true;
}

void transfer_progress::clear_line() {
  if (drawn_any_)
    err_ << "\r\x1b[K" << std::flush;
  drawn_any_ = false;
}

std::string transfer_progress::summary(const std::string& extra) const {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%llu entries%s, %llu bytes in %.2f s (%.1f MB/s)",
                static_cast<unsigned long long>(entries_), extra.c_str(),
                static_cast<unsigned long long>(bytes_), seconds(), mb_per_s());
  return buf;
}

void transfer_progress::finish(const std::string& extra) {
  err_ << (live_ ? "\r" : "") << "p2p-node " << what_ << ": " << summary(extra)
       << (live_ ? "\x1b[K\n" : "\n") << std::flush;
  drawn_any_ = false;
}

} // namespace p2p
