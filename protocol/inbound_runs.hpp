#pragma once
// The receiving end of one link's runs, as plain code (no I/O, no clock of
// its own): which runs may be acknowledged, in order, and which announced
// updates (tree broadcast's ids) are still missing and when to GRAFT
// them.
//
// Why acks wait: an ack moves the sender's view of our checkpoint, which
// catch-up trusts after a restart. A `changes` run is acknowledged once
// applied and everything it announced by id only is held here
// (by any link, or grafted), so a checkpoint never passes an update this
// node does not hold. The sender keeps at most a few runs unacknowledged,
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
  // grafted (Plumtree's first timeout). Links are reliable and ordered, so
  // a payload is late only when its eager path broke; a short timeout
  // grafts payloads merely queued behind a busy eager path, and each such
  // graft makes a cycle that a duplicate then prunes again.
  std::chrono::milliseconds graft_after{500};
  // A grafted update still not held this long after the graft: the other
  // node announced what it will not deliver. The link is broken.
  std::chrono::milliseconds answer_within{10000};
  // Runs awaiting their ack; a peer sending more ignores flow control.
  std::size_t max_runs = 64;
};

class inbound_runs {
public:
  using time_point = std::chrono::steady_clock::time_point;
  using held_fn = std::function<bool(const wire::item_id&)>;

  explicit inbound_runs(inbound_limits limits = {});

  /// A `changes` run arrived; its ack waits for applied(token) and for
  /// `missing` (the ids it announced that are not held here) to be held;
  /// those are grafted if still missing after `delay` (default:
  /// graft_after). False when too many runs are waiting already.
  bool expect_applied(uint64_t upto, uint64_t& token,
                      std::vector<wire::item_id> missing = {},
                      time_point now = {},
                      std::optional<std::chrono::milliseconds> delay = {});
  void applied(uint64_t token);

  /// A run of ids only (nothing to apply): the same.
  bool announced(uint64_t upto, std::vector<wire::item_id> missing,
                 time_point now,
                 std::optional<std::chrono::milliseconds> delay = {});

  /// Drops the ids now held (after anything was applied here). Returns the
  /// longest wait, from announcement to held, of those that came without
  /// a graft from this link: how far the eager path lags the announcements.
  std::optional<std::chrono::milliseconds> recheck(const held_fn& held,
                                                    time_point now = {});

  /// Ids to graft now: missing past graft_after, not grafted yet, and
  /// claimed by `claim` (false: another link of this node grafts it; this
  /// one looks again graft_after later). They count as grafted from `now`.
  using claim_fn = std::function<bool(const wire::item_id&)>;
  std::vector<wire::item_id>
  due(time_point now, const claim_fn& claim = {},
      std::optional<std::chrono::milliseconds> retry = {});

  /// True when a grafted id is still missing answer_within after the graft.
  bool overdue(time_point now) const;

  /// The earliest moment due() or overdue() may change (none: nothing
  /// missing).
  std::optional<time_point> next_deadline() const;

  /// Pops the runs at the front that may be acknowledged; their `upto`s,
  /// in order.
  std::vector<uint64_t> ackable();

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
