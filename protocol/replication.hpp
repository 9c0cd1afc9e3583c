#pragma once
// One link's replication of the local change log to the other node, as
// plain code: no I/O, no actors, no LMDB (etcd raft's Progress and
// Inflights play this part there). The peer actor feeds it the other node's
// sync and acks, and sends the runs pump() returns.
//
// Invariants:
// - at most `window` runs are unacknowledged; memory held here is that
//   bookkeeping plus the sketch backlog, never the log itself;
// - runs leave in change order, and within a session the cursor only moves
//   forward: a record is sent at most once per session;
// - every run, encoded, fits one frame (`frame_bytes`). A record that cannot
//   fit a frame alone is skipped and counted, and the cursor moves past it:
//   retrying it would stall every record behind it on this link for good.
#include "p2psync/update.hpp"
#include "protocol/wire.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace p2p {

/// One entry of the local change log: the newest version of a path, its
/// change seq, and the node it came from (empty when written here).
struct log_record {
  update u;
  uint64_t seq = 0;
  std::string from;
};

/// Where the records come from: the database, or an in-memory log in tests.
class change_log {
public:
  virtual ~change_log() = default;
  /// Records after `seq` in change order: at most `limit`, and past the
  /// first, at most about `max_bytes`.
  virtual std::vector<log_record> read_after(uint64_t seq, std::size_t limit,
                                             std::size_t max_bytes) const = 0;
};

struct replication_limits {
  std::size_t window = 4;             // runs unacknowledged
  std::size_t run_items = 512;        // items per run
  std::size_t run_bytes = 512 * 1024; // a run ends once past this
  std::size_t frame_bytes = wire::max_frame_bytes; // never past this, encoded
  // Runs with nothing the other node lacks still go out this often (in log
  // positions), so its checkpoint keeps up.
  uint64_t checkpoint_gap = 4096;
};

class replication_window {
public:
  struct output {
    std::vector<wire::changes> runs; // to send, in order
    std::vector<std::string> skipped; // records too large for a frame
  };

  explicit replication_window(replication_limits limits = {});

  /// The other node asked for our changes after `since`, leaving out what
  /// came from `remote_id` (it has those) beyond `send_all_upto`.
  void start(uint64_t since, std::string remote_id,
             uint64_t send_all_upto = 0);
  /// After start(): a sketch said the other node lacks `records`; they go
  /// first, then the log after `position`, which the last of them carries.
  void catch_up_from(std::vector<update> records, uint64_t position);
  /// The runs to send now, as far as the window allows.
  output pump(const change_log& log);
  /// The other node applied the oldest run in flight. False when none was.
  bool acked(uint64_t upto);
  /// The link is gone: nothing in flight, nothing to send.
  void stop();

  bool streaming() const { return streaming_; }
  uint64_t cursor() const { return cursor_; }
  uint64_t sent_upto() const { return sent_upto_; }
  std::size_t in_flight() const { return in_flight_.size(); }
  std::size_t backlog_size() const { return backlog_.size(); }

private:
  void emit(output& out, wire::changes run);
  void pump_backlog(output& out);
  void pump_log(const change_log& log, output& out);
  /// False (and the record noted in `out`) when it can never fit a frame.
  bool fits_alone(const update& u, std::size_t item_bytes, output& out) const;

  replication_limits limits_;
  std::size_t envelope_bytes_; // a run with no items
  bool streaming_ = false;
  std::string remote_id_;
  uint64_t cursor_ = 0;    // our change seq sent (or skipped) through
  uint64_t sent_upto_ = 0; // the last `upto` sent
  // Up to here, also send what came from the other node (it said it holds
  // nothing); beyond, leave that out.
  uint64_t send_all_upto_ = 0;
  std::deque<uint64_t> in_flight_; // `upto` of each unacknowledged run
  std::deque<update> backlog_;     // what a sketch said the other node lacks
  bool backlog_open_ = false;      // the backlog's last run is not sent yet
};

} // namespace p2p
