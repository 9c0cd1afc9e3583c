// The peer actor's catch-up and streaming: answering the other node's
// sync (from a checkpoint, or by sketch), and pumping our change log out
// as far as the replication window allows.
#include "actors/link/peer_catch_up.hpp"

#include "actors/link/peer_broadcast.hpp"
#include "actors/link/peer_reconcile.hpp"
#include "actors/metrics.hpp"
#include "p2psync/log.hpp"
#include "protocol/sketch.hpp"
#include "storage/database.hpp"

#include <caf/all.hpp>


namespace p2p::catch_up {

namespace {

/// The database's change log as replication_window reads it.
class database_log : public change_log {
public:
  explicit database_log(const database& db) : db_(db) {
  }
  std::vector<log_record> read_after(uint64_t seq, std::size_t limit,
                                     std::size_t max_bytes) const override {
    auto stored = db_.changes_since(seq, limit, max_bytes);
    std::vector<log_record> out;
    out.reserve(stored.size());
    for (auto& rec : stored)
      out.push_back({std::move(rec.u), rec.seq, std::move(rec.from)});
    return out;
  }

private:
  const database& db_;
};

/// The other node sent a sketch of what it holds: subtract it from ours
/// and queue just the records it lacks, then stream the log from the
/// position our sketch reflects. If the difference is too large to decode,
/// stream the whole log instead. Notes in `facts` what the sketch said.
void catch_up_by_sketch(self_ptr self, const std::string& text,
                        reconciliation::sync_facts& facts) {
  auto& st = self->state;
  auto theirs = sketch::from_text(text);
  if (!theirs)
    return;
  auto [mine, position] = st.deps.db->summarize(theirs->cells());
  mine.subtract(*theirs);
  std::vector<uint64_t> they_lack, we_lack;
  if (!mine.decode(they_lack, we_lack)) {
    st.deps.metrics->sketch_fallbacks.fetch_add(1);
    // Everything, what came from the other node included: it holds data
    // but may lack its own earlier writes (a wiped db that wrote again).
    st.replication.start(0, st.row.remote_id, st.deps.db->last_seq());
    return;
  }
  facts.sketch_decoded = true;
  st.deps.metrics->sketch_syncs.fetch_add(1);
  st.replication.catch_up_from(st.deps.db->find_elements(they_lack), position);
}

} // namespace

/// A warning about this link, naming the other node (or its URL before its
/// hello).
void log_line(const peer_state& st, const char* what,
              std::initializer_list<log::field> fields) {
  std::vector<log::field> all;
  if (st.row.remote_id.empty())
    all.emplace_back(st.outbound ? "url" : "address", st.url);
  else
    all.emplace_back("remote", st.row.remote_id);
  all.insert(all.end(), fields.begin(), fields.end());
  log::write(log::level::warn, "link", what, all.data(),
             all.data() + all.size());
}

void catch_up_started(peer_state& st, uint64_t since) {
  st.row.runs_applying = 0;
  st.row.reached_tail = false;
  st.row.last_run_at = std::chrono::steady_clock::now();
  st.last_run_upto = since;
}

// The sender cuts a run when its log runs out, at run_items records or
// past run_bytes (replication_window::pump_log). A run well short of all
// three came from the end of its log; the log positions it spans count
// the records it read, those left out for us too. A sketch's backlog runs
// carry no position (0) and never count as the end.
bool run_arrived(peer_state& st, const wire::changes& c) {
  const replication_limits full;
  auto small = [&] { // measured last: most runs are settled before
    std::size_t bytes = 0;
    for (const auto& u : c.items)
      bytes += wire::encoded_item_bytes(u);
    return bytes < full.run_bytes / 2;
  };
  bool tail = c.upto != 0 && c.upto >= st.last_run_upto
              && c.upto - st.last_run_upto < full.run_items
              && c.items.size() + c.ids.size() < full.run_items && small();
  if (c.upto != 0)
    st.last_run_upto = c.upto;
  ++st.row.runs_applying;
  st.row.last_run_at = std::chrono::steady_clock::now();
  return tail;
}

void run_applied(peer_state& st, bool tail) {
  if (st.row.runs_applying > 0)
    --st.row.runs_applying;
  st.row.reached_tail = st.row.reached_tail || tail;
  st.publish_row();
}

/// Sends what the window allows of the sketch's backlog and our log.
void pump(self_ptr self) {
  auto& st = self->state;
  auto out = st.replication.pump(database_log(*st.deps.db));
  for (const auto& what : out.skipped) {
    st.deps.metrics->updates_skipped_oversize.fetch_add(1);
    log_line(st, "skipped a record too large for any frame",
             {{"record", what}});
  }
  for (auto& run : out.runs)
    broadcast::send_run(self, std::move(run));
  // All sent is applied there once nothing is in flight; else the last ack.
  auto& rep = st.replication;
  st.row.delivered_upto = !rep.streaming() ? 0
                          : rep.in_flight() == 0 && rep.backlog_size() == 0
                            ? rep.cursor()
                            : st.acked_upto;
  st.row.sent_upto = rep.streaming() ? rep.cursor() : 0;
  st.row.backlog = rep.backlog_size();
  st.publish_row();
}

/// Our sync asking from `since`; with none (0), a sketch of what we hold
/// when we hold anything, so that we are sent only what we lack.
wire::sync sync_request(const peer_state& st, uint64_t since) {
  wire::sync request{since, {}};
  if (since == 0 && st.deps.db->last_seq() > 0)
    request.sketch = st.deps.db->summarize(sketch::default_cells)
                       .first.to_text();
  return request;
}

void on_sync(self_ptr self, const wire::sync& s) {
  auto& st = self->state;
  auto last = st.deps.db->last_seq();
  // A checkpoint past our log: this db is older than the one the other
  // node synced with (a copy put back; it kept its epoch). The numbers
  // mean nothing now, so it gets our whole log, and we ask it afresh
  // for what we lack, our own writes made after the copy included.
  bool past_our_log = s.since > last;
  // A node that says it holds nothing gets our whole log as it is now,
  // its own earlier writes included; after that, no echoes.
  bool holds_nothing = (s.since == 0 && s.sketch.empty()) || past_our_log;
  st.acked_upto = past_our_log ? 0 : s.since;
  st.replication.start(past_our_log ? 0 : s.since, st.row.remote_id,
                       holds_nothing ? last : 0);
  reconciliation::sync_facts facts;
  facts.holds_nothing = holds_nothing;
  facts.empty = s.since == 0 && s.sketch.empty();
  facts.since = past_our_log ? 0 : s.since;
  facts.by_sketch = s.since == 0 && !s.sketch.empty();
  if (facts.by_sketch)
    catch_up_by_sketch(self, s.sketch, facts);
  if (past_our_log && !st.asked_afresh) {
    st.asked_afresh = true; // once per link: a liar may repeat it
    log_line(st,
             "its checkpoint is past our log: this db was restored from a "
             "copy? Syncing everything both ways",
             {{"checkpoint", s.since}, {"our_last", last}});
    self->send(st.deps.bridge, send_atom::value, st.link_id,
               sync_request(st, 0));
  }
  // Its first page goes before the first run: the other node then takes
  // the whole stream as the picture it adopts.
  reconciliation::on_sync(self, facts);
  pump(self);
}

} // namespace p2p::catch_up
