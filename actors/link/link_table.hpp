#pragma once
// What /peers shows: one row per link, written by the peer actors and read
// by HTTP sessions without an actor round trip.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace p2p {

struct link_row {
  std::string direction; // "out" (we dial) or "in"
  std::string url;       // out: the peer URL; in: the remote address
  std::string state;     // connecting, handshaking, up, backing-off
  std::string remote_id;
  uint64_t updates_sent = 0;
  uint64_t updates_received = 0;
  uint64_t connects = 0;
  // Updates left out for a stamp too far ahead of our clock.
  uint64_t updates_refused = 0;
  // The other node's wall clock minus ours, from its hello (the transit
  // time is in it, too); unknown from nodes that do not send theirs.
  bool clock_known = false;
  int64_t clock_offset_ms = 0;
  std::string last_error;
  // The other node's advertised URL (empty: it said none).
  std::string advertise;
  // How updates go out on this link: "flood" (every payload: the other
  // node does not speak tree broadcast, or we do not use it) or "tree"
  // (payloads of the origins it is eager for, ids of the others).
  std::string broadcast;
  // Seeds (--peer) are re-dialled for good; overlay dials are not.
  bool seed = false;
  // Our change seq the other node has applied through, as far as we know
  // (0 before its sync): tombstones past it are not collected yet.
  uint64_t delivered_upto = 0;
  // Catch-up from the other node since its hello, for /ready
  // (start_up.hpp): its runs still being applied here, when the last one
  // came, and whether one short of a full run was applied (the other node
  // had reached the end of its log then).
  std::size_t runs_applying = 0;
  std::chrono::steady_clock::time_point last_run_at{};
  bool reached_tail = false;
  // Our change seq sent through (0 before its sync), and the records a
  // sketch said it lacks, still waiting to be sent: /metrics's queue.
  uint64_t sent_upto = 0;
  uint64_t backlog = 0;
};

class link_table {
public:
  void put(uint64_t key, const link_row& row);
  void remove(uint64_t key);
  std::string to_json() const;
  /// A copy of every row.
  std::vector<link_row> rows() const;
  /// Links whose handshake is done.
  std::size_t count_up() const;
  /// The least delivered_upto of the links up (none: no link up).
  std::optional<uint64_t> min_delivered() const;
  /// The largest clock offset, either way, of the links up (0: none known).
  uint64_t max_clock_offset_ms() const;

  /// The overlay's passive view as JSON (an array), for /peers/passive.
  void set_passive_json(std::string json);
  std::string passive_json() const;

private:
  mutable std::mutex mtx_;
  std::map<uint64_t, link_row> rows_;
  std::string passive_json_ = "[]";
};

} // namespace p2p
