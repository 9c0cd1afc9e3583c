#include "actors/http/replay_range.hpp"

#include <algorithm>

namespace p2p {

replay_range::replay_range(uint64_t after, uint64_t last)
  : position_(std::min(after, last)), last_(last), active_(position_ < last) {
}

std::size_t replay_range::take(const std::vector<stored_record>& chunk) {
  if (!active_)
    return 0;
  std::size_t taken = 0;
  for (const auto& rec : chunk) {
    if (rec.seq <= position_ || rec.seq > last_)
      break;
    position_ = rec.seq;
    ++taken;
  }
  if (chunk.empty() || taken < chunk.size() || position_ >= last_)
    active_ = false;
  return taken;
}

} // namespace p2p
