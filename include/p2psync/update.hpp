#pragma once
// The update record: one write (or delete) of one path, as every node stores
// and forwards it. The value is kept as compact JSON text; a delete is the
// value `null` (a tombstone), as in the seed.
#include "p2psync/hlc.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace p2p {

struct update {
  std::string path;
  std::string value = "null"; // compact JSON text
  hlc_time time = 0;
  std::string origin; // node id (hex) that made the write

  bool is_tombstone() const {
    return value == "null";
  }


  friend bool operator==(const update& a, const update& b) {
    return a.path == b.path && a.value == b.value && a.time == b.time
           && a.origin == b.origin;
  }
};

/// Last-write-wins between two versions of one path: the later stamp, then
/// the larger origin (stamp_wins); equal stamp and origin with another
/// value happens only with imported entries, and the larger value wins, so
/// every node keeps the same one. False for the very same version.
inline bool version_wins(hlc_time a_t, std::string_view a_origin,
                         std::string_view a_value, hlc_time b_t,
                         std::string_view b_origin, std::string_view b_value) {
  if (a_t == b_t && a_origin == b_origin)
    return a_value > b_value;
  return stamp_wins(a_t, a_origin, b_t, b_origin);
}

/// A write's answer: the contract's JSON form plus `hlc`, the whole stamp as
/// a string of digits (beyond 2^53), so that a client can order two writes
/// made in one millisecond as last-write-wins does, by (hlc, origin).
std::string to_answer_json(const update& u);

/// Appends the contract's JSON form, `{"path","value","timestamp","origin"}`
/// with the timestamp in wall-clock milliseconds, to `out`.
void append_json(std::string& out, const update& u);

} // namespace p2p
