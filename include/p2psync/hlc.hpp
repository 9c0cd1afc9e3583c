#pragma once
// Hybrid logical clock: wall-clock milliseconds in the high 48 bits, a
// counter in the low 16. Stamps only move forward, even when the wall clock
// steps back, and a node that has seen a stamp issues only larger ones, so a
// write made after reading a value always wins over that value.
#include <cstdint>
#include <functional>
#include <string_view>

namespace p2p {

using hlc_time = uint64_t;

constexpr int hlc_counter_bits = 16;

inline constexpr uint64_t wall_ms_of(hlc_time t) {
  return t >> hlc_counter_bits;
}

inline constexpr hlc_time hlc_from_ms(uint64_t ms) {
  return ms << hlc_counter_bits;
}

/// Milliseconds since the epoch from the system clock.
uint64_t system_wall_ms();

/// The total order every node computes alike: the larger stamp wins, ties
/// go to the larger origin id (byte-wise). True when (a_t, a_origin) beats
/// (b_t, b_origin).
bool stamp_wins(hlc_time a_t, std::string_view a_origin, hlc_time b_t,
                std::string_view b_origin);

class hybrid_clock {
public:
  using wall_source = std::function<uint64_t()>;

  explicit hybrid_clock(wall_source wall = system_wall_ms);

  /// A stamp for a local event, larger than every stamp issued or observed.
  hlc_time now();

  /// Takes note of a stamp seen from elsewhere (a peer, or the database).
  void observe(hlc_time remote);

  hlc_time last() const {
    return last_;
  }

private:
  wall_source wall_;
  hlc_time last_ = 0;
};

} // namespace p2p
