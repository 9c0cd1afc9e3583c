#include "p2psync/hlc.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace p2p {

namespace {

/// Tests only: P2P_CLOCK_OFFSET_MS shifts this process's wall clock (a
/// node with a skewed clock, without faking the system's).
/// Set by mistake outside a test it would skew a real node silently, so it
/// says so on stderr; bounded (about 34 years) so the sum cannot overflow.
int64_t test_clock_offset_ms() {
  static const int64_t offset = [] {
    const char* text = std::getenv("P2P_CLOCK_OFFSET_MS");
    if (!text)
      return int64_t{0};
    constexpr int64_t bound = int64_t{1} << 40;
    int64_t x = std::clamp<int64_t>(std::strtoll(text, nullptr, 10), -bound,
                                    bound);
    std::fprintf(stderr,
                 "p2p: P2P_CLOCK_OFFSET_MS is set: this process's clock is "
                 "shifted by %lld ms (for tests only)\n",
                 static_cast<long long>(x));
    return x;
  }();
  return offset;
}

// Read at load, so that the line comes at start, not at the first stamp.
const int64_t offset_at_load = test_clock_offset_ms();

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
