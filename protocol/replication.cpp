#include "protocol/replication.hpp"

#include <limits>

namespace p2p {

replication_window::replication_window(replication_limits limits)
  : limits_(limits),
    envelope_bytes_(
      wire::encode_changes({}, std::numeric_limits<uint64_t>::max()).size()) {
}

void replication_window::start(uint64_t since, std::string remote_id,
                               uint64_t send_all_upto) {
  streaming_ = true;
  remote_id_ = std::move(remote_id);
  cursor_ = sent_upto_ = since;
  send_all_upto_ = send_all_upto;
  in_flight_.clear();
  backlog_.clear();
  backlog_open_ = false;
}

void replication_window::catch_up_from(std::vector<update> records,
                                       uint64_t position) {
  backlog_.assign(std::make_move_iterator(records.begin()),
                  std::make_move_iterator(records.end()));
  cursor_ = position;
  // Nothing lacking but a position to report: one empty run, a checkpoint.
  backlog_open_ = !backlog_.empty() || position > 0;
}

void replication_window::stop() {
  streaming_ = false;
  in_flight_.clear();
  backlog_.clear();
  backlog_open_ = false;
}

bool replication_window::acked(uint64_t) {
  // One ack per run, in order (WIRE.md); its `upto` is the receiver's
  // checkpoint and may be 0 for the sketch backlog's runs.
  if (in_flight_.empty())
    return false;
  in_flight_.pop_front();
  return true;
}

replication_window::output replication_window::pump(const change_log& log) {
  output out;
  if (!streaming_)
    return out;
  pump_backlog(out);
  if (!backlog_open_)
    pump_log(log, out);
  return out;
}

void replication_window::emit(output& out, wire::changes run) {
  in_flight_.push_back(run.upto);
  out.runs.push_back(std::move(run));
}

bool replication_window::fits_alone(const update& u, std::size_t item_bytes,
                                    output& out) const {
  if (envelope_bytes_ + item_bytes <= limits_.frame_bytes)
    return true;
  out.skipped.push_back(u.path + " (" + std::to_string(item_bytes)
                        + " bytes encoded)");
  return false;
}

void replication_window::pump_backlog(output& out) {
  while (backlog_open_ && in_flight_.size() < limits_.window) {
    wire::changes run;
    std::size_t bytes = envelope_bytes_;
    while (!backlog_.empty() && run.items.size() < limits_.run_items
           && bytes < limits_.run_bytes) {
      auto& u = backlog_.front();
      auto n = wire::encoded_item_bytes(u) + 1; // and its comma
      if (!fits_alone(u, n, out)) {
        backlog_.pop_front();
        continue;
      }
      if (bytes + n > limits_.frame_bytes)
        break;
      bytes += n;
      run.items.push_back(std::move(u));
      backlog_.pop_front();
    }
    if (backlog_.empty()) {
      run.upto = sent_upto_ = cursor_;
      backlog_open_ = false;
    }
    emit(out, std::move(run));
  }
}

void replication_window::pump_log(const change_log& log, output& out) {
  while (in_flight_.size() < limits_.window) {
    auto records = log.read_after(cursor_, limits_.run_items,
                                  limits_.run_bytes);
    if (records.empty())
      return;
    wire::changes run;
    run.upto = cursor_;
    std::size_t bytes = envelope_bytes_;
    for (auto& rec : records) {
      // The other node has these already: it sent or wrote them (unless it
      // starts from nothing, say with a wiped db under the same id).
      bool theirs = rec.seq > send_all_upto_
                    && (rec.from == remote_id_ || rec.u.origin == remote_id_);
      if (!theirs) {
        auto n = wire::encoded_item_bytes(rec.u) + 1;
        if (fits_alone(rec.u, n, out)) {
          if (bytes + n > limits_.frame_bytes)
            break; // the next run starts here
          bytes += n;
          run.items.push_back(std::move(rec.u));
        }
      }
      run.upto = cursor_ = rec.seq;
    }
    // Nothing the other node lacks in this run. Now and then, and at least
    // once, send it anyway (empty) so its checkpoint moves: else, at the
    // next connect, it has none and asks with a sketch.
    if (run.items.empty()
        && !(sent_upto_ == 0 || cursor_ - sent_upto_ >= limits_.checkpoint_gap))
      continue;
    sent_upto_ = run.upto;
    emit(out, std::move(run));
  }
}

} // namespace p2p
