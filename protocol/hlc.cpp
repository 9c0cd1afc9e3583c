#include "protocol/hlc.hpp"

#include <chrono>
#include <cstdlib>

namespace p2p {

namespace {

/// Tests only: P2P_CLOCK_OFFSET_MS shifts this process's wall clock (a
/// node with a skewed clock, without faking the system's).
int64_t test_clock_offset_ms() {
  static const int64_t offset = [] {
    const char* text = std::getenv("P2P_CLOCK_OFFSET_MS");
    return text ? std::strtoll(text, nullptr, 10) : 0;
  }();
  return offset;
}

} // namespace

uint64_t system_wall_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
    duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count()
    + test_clock_offset_ms());
}

bool stamp_wins(hlc_time a_t, std::string_view a_origin, hlc_time b_t,
                std::string_view b_origin) {
  if (a_t != b_t)
    return a_t > b_t;
  return a_origin > b_origin;
}

hybrid_clock::hybrid_clock(wall_source wall) : wall_(std::move(wall)) {
}

hlc_time hybrid_clock::now() {
  auto wall = hlc_from_ms(wall_());
  // When the wall clock stalls or steps back, the counter carries on; a
  // counter overflow carries into the millisecond part, which is harmless.
  if (wall > last_)
    last_ = wall;
  else if (last_ != UINT64_MAX) // saturate rather than wrap to zero
    ++last_;
  return last_;
}

void hybrid_clock::observe(hlc_time remote) {
  if (remote > last_)
    last_ = remote;
}

} // namespace p2p
