#pragma once
// Where a Last-Event-ID replay stands. A stream that reconnects with
// `Last-Event-ID: N` is sent the change log's records in (N, last], `last`
// being the newest seq when it subscribed; what comes after arrives live.
// The log holds the newest version of each path only, so an entry of the
// range overwritten since has moved past `last`: a record past the range
// end means nothing of the range is left. Each chunk either moves the
// position or ends the replay, so a replay always ends.
#include "storage/record.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace p2p {

class replay_range {
public:
  /// Nothing to replay.
  replay_range() = default;

  /// Records after `after` up to `last`; an `after` beyond `last` (an id
  /// from another database) replays nothing.
  replay_range(uint64_t after, uint64_t last);

  /// True while there may be more to read.
  bool active() const { return active_; }

  /// Records at or below this were handed out (or were never in range):
  /// read the next chunk after it, and skip live events at or below it.
  uint64_t position() const { return position_; }

  /// Takes the chunk changes_since(position()) returned and answers how
  /// many of its records, from the front, belong to the replay. Ends the
  /// replay at an empty chunk, at the range end, or at a record past it or
  /// not past the position (a log that does not move cannot spin us).
  std::size_t take(const std::vector<stored_record>& chunk);

private:
  uint64_t position_ = 0;
  uint64_t last_ = 0;
  bool active_ = false;
};

} // namespace p2p
