#pragma once
// The memory that event streams (SSE) hold for their readers, node-wide.
// An event's text is made once and shared by every stream that queues it,
// so what counts is each event once, from when it is made until the last
// stream lets it go (charge/release), whatever the number of readers.
// Streams join as holders and report the bytes they have queued; while the
// events alive exceed the limit, the holder with the most queued (the
// slowest reader) is asked to end, one at a time: its client resumes with
// Last-Event-ID. Plain code, any thread.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>

namespace p2p {

class stream_budget {
public:
  using evict_fn = std::function<void()>;

  explicit stream_budget(std::size_t limit) : limit_(limit) {}

  std::size_t limit() const { return limit_; }

  /// Bytes of the events alive now.
  std::size_t used() const { return used_.load(); }

  /// Streams asked to end so far.
  uint64_t evictions() const { return evictions_.load(); }

  /// An event of `bytes` was made; may evict.
  void charge(std::size_t bytes);

  /// An event of `bytes` is gone.
  void release(std::size_t bytes);

  /// A stream that holds events; `evict` asks it to end (called once at
  /// most, from whichever thread found the budget exceeded, without locks
  /// held: it should post, not close on the spot). Returns its id.
  uint64_t join(evict_fn evict);

  /// The stream ended (evicted or not).
  void leave(uint64_t id);

  /// The stream now has `queued` bytes of events waiting; may evict.
  void hold(uint64_t id, std::size_t queued);

private:
  struct holder {
    std::size_t queued = 0;
    bool evicted = false;
    evict_fn evict;
  };

  void enforce();

  const std::size_t limit_;
  std::atomic<std::size_t> used_{0};
  std::atomic<uint64_t> evictions_{0};
  std::mutex mutex_;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, holder> holders_;
  // Queued bytes of the holders asked to end that have not left yet: what
  // their going should free. Counted as gone, so one overflow does not end
  // every stream before the first has had time to let go.
  std::size_t leaving_ = 0;
};

} // namespace p2p
