#pragma once
// The update record: one write (or delete) of one path, as every node stores
// and forwards it. The value is kept as compact JSON text; a delete is the
// value `null` (a tombstone), as in the seed.
#include "protocol/hlc.hpp"

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

  /// Last-write-wins: true when this update beats `other`.
  bool wins_over(const update& other) const {
    return stamp_wins(time, origin, other.time, other.origin);
  }

  friend bool operator==(const update& a, const update& b) {
    return a.path == b.path && a.value == b.value && a.time == b.time
           && a.origin == b.origin;
  }
};

/// The contract's JSON form: `{"path","value","timestamp","origin"}` with the
/// timestamp in wall-clock milliseconds.
std::string to_json(const update& u);

/// Appends the JSON form to `out` (for building arrays without copies).
void append_json(std::string& out, const update& u);

} // namespace p2p
