#pragma once
// One change as an event stream (SSE) sends it: `id: <seq>`, `data: <the
// update as JSON>`. Made once per change and shared, read-only, by every
// stream that queues it; its bytes count against the node's stream budget
// (stream_budget.hpp) until the last holder lets it go.
#include "p2psync/update.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace p2p {

class stream_budget;

class stream_event {
public:
  /// Formats the event and charges `budget` (may be null: not counted).
  stream_event(const update& u, uint64_t seq,
               std::shared_ptr<stream_budget> budget);
  ~stream_event();
  stream_event(const stream_event&) = delete;
  stream_event& operator=(const stream_event&) = delete;

  uint64_t seq() const { return seq_; }

  /// The whole event, blank line included.
  const std::string& text() const { return text_; }

private:
  uint64_t seq_;
  std::string text_;
  std::shared_ptr<stream_budget> budget_;
  std::size_t charged_ = 0;
};

using shared_stream_event = std::shared_ptr<const stream_event>;

inline shared_stream_event
make_stream_event(const update& u, uint64_t seq,
                  std::shared_ptr<stream_budget> budget) {
  return std::make_shared<const stream_event>(u, seq, std::move(budget));
}

} // namespace p2p
