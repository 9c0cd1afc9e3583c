#pragma once
// The receiving end of one link's runs, as plain code (no I/O, no clock of
// its own): which runs may be acknowledged, in order, and which announced
// updates (tree broadcast's ids) are still missing and when to GRAFT
// them.
//
// A run is acknowledged (flow control) once applied. Its checkpoint, which
// a reconnect resumes from, is written with its items, or, while an id it
// or an earlier run announced is missing, only once those are held, by any
// link or grafted (checkpoint_later): a checkpoint never passes an update
// this node does not hold, so a reconnect asks for it again. Acks do not
// wait for announced ids (a link's payloads for other origins would wait
// behind them), up to max_unresolved runs; then they do (backpressure). The sender keeps at most a few runs unacknowledged,
// so a lazy run waiting for its payload holds back that link only.
#include "protocol/wire.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

namespace p2p {

struct inbound_limits {
  // An announced update not held this long after its announcement is
  // grafted (Plumtree's first timeout; graft_claims may hold it back while
  // the origin's eager path still delivers).
  std::chrono::milliseconds graft_after{500};
  // A grafted update still not held this long after the graft: the other
  // node announced what it will not deliver. The link is broken.
  std::chrono::milliseconds answer_within{10000};
  // Acknowledged runs whose announced ids are not all held yet; past it,
  // acks wait.
  std::size_t max_unresolved = 16;
  // Runs kept at all (the sender keeps 4 unacknowledged; a second sync may
  // add 4 more): a peer sending more ignores flow control.
  std::size_t max_runs = 32;
  // Announced ids missing at once on one link (a window of runs).
  std::size_t max_missing = 4096;
};

class inbound_runs {
public:
  using time_point = std::chrono::steady_clock::time_point;
  using held_fn = std::function<bool(const wire::item_id&)>;

  explicit inbound_runs(inbound_limits limits = {});

  /// A `changes` run arrived; its ack waits for applied(token), its
  /// checkpoint also for `missing` (the ids it announced that are not held
  /// here), grafted if still missing after graft_after. `ok` false when
  /// too many runs or ids are waiting already. `checkpoint_later`: ids of
  /// this run or an earlier one are missing, so its items must be applied
  /// without the checkpoint (resolved_checkpoint() says when to write it).
  struct admission {
    bool ok = false;
    uint64_t token = 0;
    bool checkpoint_later = false;
  };
  admission expect_applied(uint64_t upto,
                           std::vector<wire::item_id> missing = {},
                           time_point now = {});
  void applied(uint64_t token);

  /// A run of ids only (nothing to apply): the same.
  admission announced(uint64_t upto, std::vector<wire::item_id> missing,
                      time_point now);

  /// Drops the ids now held (after anything was applied here).
  void recheck(const held_fn& held);

  /// Drops the ids of these paths: the other node answered a graft with a
  /// version this node refused (stamped too far ahead), which flooding
  /// would have acknowledged past as well.
  void give_up(const std::vector<std::string>& paths);

  /// Ids to graft now: missing past graft_after, not grafted yet, and
  /// claimed by `claim` (given the id and how long it has waited; false:
  /// not now, look again graft_after later). They count as grafted from
  /// `now`.
  using claim_fn =
    std::function<bool(const wire::item_id&, std::chrono::milliseconds)>;
  std::vector<wire::item_id> due(time_point now, const claim_fn& claim = {});

  /// True when a grafted id is still missing answer_within after the graft.
  bool overdue(time_point now) const;

  /// The earliest moment due() or overdue() may change (none: nothing
  /// missing).
  std::optional<time_point> next_deadline() const;

  /// The runs to acknowledge now, in order (each once).
  std::vector<uint64_t> ackable();

  /// Drops the acknowledged runs at the front whose ids are all held; the
  /// checkpoint to write now for those applied without theirs (none: no
  /// write needed).
  std::optional<uint64_t> resolved_checkpoint();

  std::size_t runs_waiting() const { return runs_.size(); }
  std::size_t missing() const;

  /// The link is gone: nothing is waiting.
  void clear();

private:
  struct missing_id {
    wire::item_id id;
    time_point announced_at;
    time_point graft_at;
    std::optional<time_point> grafted_at;
  };
  struct run {
    uint64_t upto = 0;
    uint64_t token = 0;    // changes: waits for applied(token); 0: none
    std::vector<missing_id> missing; // announced: waits until empty
    bool checkpoint_later = false;
    bool acked = false;
  };

  inbound_limits limits_;
  std::deque<run> runs_;
  uint64_t next_token_ = 1;
};

/// True when a held version (stamp, origin) is the announced one or newer
/// by last-write-wins.
bool holds_at_least(hlc_time held_time, const std::string& held_origin,
                    const wire::item_id& announced);

} // namespace p2p
