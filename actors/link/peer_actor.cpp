#include "actors/link/peer_actor.hpp"

#include "actors/link/ws_link.hpp"
#include "actors/metrics.hpp"
#include "protocol/sketch.hpp"
#include "storage/database.hpp"

#include <caf/all.hpp>

namespace p2p {

namespace {

using self_ptr = peer_actor::stateful_pointer<peer_state>;

constexpr int send_window = 4;
constexpr std::size_t run_items = 512;
constexpr std::size_t run_bytes = 512 * 1024;
constexpr auto first_backoff = std::chrono::milliseconds(100);
constexpr auto max_backoff = std::chrono::milliseconds(5000);
constexpr auto apply_timeout = std::chrono::seconds(60);
// A link must finish its hello within this, or it is closed.
constexpr auto hello_timeout = std::chrono::seconds(10);
// A link that stayed up this long resets the backoff; one that keeps
// failing right after its hello (say, on a frame the other side refuses)
// backs off further instead of reconnecting in a tight loop.
constexpr auto stable_link = std::chrono::seconds(10);

void set_state(self_ptr self, const char* state) {
  self->state.row.state = state;
  self->state.publish_row();
}

void dial(self_ptr self) {
  auto& st = self->state;
  st.link_id = next_link_id();
  ++st.row.connects;
  set_state(self, "connecting");
  self->send(st.deps.bridge, dial_atom::value, st.link_id, st.url,
             peer_actor{self});
}

/// Schedules the next dial: exponential backoff with +-25% jitter.
void back_off(self_ptr self) {
  auto& st = self->state;
  st.backoff = st.backoff.count() == 0
                 ? first_backoff
                 : std::min(st.backoff * 2, max_backoff);
  std::uniform_int_distribution<long> jitter(-st.backoff.count() / 4,
                                             st.backoff.count() / 4);
  auto delay = st.backoff + std::chrono::milliseconds(jitter(st.rng));
  set_state(self, "backing-off");
  self->delayed_send(self, delay, retry_atom::value);
}

/// Sends what the sketch said the other node lacks, in runs; the last run
/// carries the log position the sketch reflects, the other node's new
/// checkpoint.
bool pump_backlog(self_ptr self) {
  auto& st = self->state;
  while (!st.backlog.empty() && st.in_flight < send_window) {
    wire::changes run;
    std::size_t bytes = 0;
    while (!st.backlog.empty() && run.items.size() < run_items
           && bytes < run_bytes) {
      bytes += st.backlog.front().value.size() + st.backlog.front().path.size();
      run.items.push_back(std::move(st.backlog.front()));
      st.backlog.pop_front();
    }
    if (st.backlog.empty())
      run.upto = st.sent_upto = st.cursor;
    st.row.updates_sent += run.items.size();
    st.deps.metrics->updates_forwarded.fetch_add(run.items.size());
    ++st.in_flight;
    self->send(st.deps.bridge, send_atom::value, st.link_id, std::move(run));
  }
  return st.backlog.empty();
}

/// Sends runs of our change log from the cursor while the window allows.
void pump(self_ptr self) {
  auto& st = self->state;
  if (!pump_backlog(self))
    return st.publish_row();
  while (st.streaming && st.in_flight < send_window) {
    auto recs = st.deps.db->changes_since(st.cursor, run_items, run_bytes);
    if (recs.empty())
      break;
    wire::changes run;
    run.upto = recs.back().seq;
    st.cursor = run.upto;
    for (auto& rec : recs) {
      // The other node has these already: it sent or wrote them (unless it
      // starts from nothing, say with a wiped db under the same id).
      if (rec.seq > st.send_all_upto
          && (rec.from == st.row.remote_id || rec.u.origin == st.row.remote_id))
        continue;
      run.items.push_back(std::move(rec.u));
    }
    // Nothing the other node lacks in this run. Now and then, and at least
    // once, send it anyway (empty) so its checkpoint moves: else, at the
    // next connect, it has none and asks with a sketch.
    if (run.items.empty()
        && !(st.sent_upto == 0 || st.cursor - st.sent_upto >= 4096))
      continue;
    st.sent_upto = run.upto;
    st.row.updates_sent += run.items.size();
    st.deps.metrics->updates_forwarded.fetch_add(run.items.size());
    ++st.in_flight;
    self->send(st.deps.bridge, send_atom::value, st.link_id, std::move(run));
  }
  st.publish_row();
}

/// The other node sent a sketch of what it holds: subtract it from ours
/// and queue just the records it lacks, then stream the log from the
/// position our sketch reflects. If the difference is too large to decode,
/// stream the whole log instead.
void reconcile(self_ptr self, const std::string& text) {
  auto& st = self->state;
  auto theirs = sketch::from_text(text);
  if (!theirs)
    return;
  auto [mine, position] = st.deps.db->summarize(theirs->cells());
  mine.subtract(*theirs);
  std::vector<uint64_t> they_lack, we_lack;
  if (!mine.decode(they_lack, we_lack)) {
    st.deps.metrics->sketch_fallbacks.fetch_add(1);
    return; // cursor stays 0: everything
  }
  st.deps.metrics->sketch_syncs.fetch_add(1);
  auto records = st.deps.db->find_elements(they_lack);
  st.backlog.assign(std::make_move_iterator(records.begin()),
                    std::make_move_iterator(records.end()));
  st.cursor = position;
  if (st.backlog.empty() && position > 0) { // nothing lacking: checkpoint only
    st.sent_upto = position;
    ++st.in_flight;
    self->send(st.deps.bridge, send_atom::value, st.link_id,
               wire::changes{{}, position});
  }
}

void link_lost(self_ptr self, const std::string& reason) {
  auto& st = self->state;
  if (st.up) {
    st.deps.metrics->links_down.fetch_add(1);
    if (std::chrono::steady_clock::now() - st.up_since >= stable_link)
      st.backoff = std::chrono::milliseconds(0);
  }
  st.up = false;
  st.streaming = false;
  st.backlog.clear();
  st.in_flight = 0;
  st.link_id = 0;
  // What the other side said before closing says more than the close.
  st.row.last_error = st.peer_error.empty() ? reason
                                            : st.peer_error + " (" + reason + ")";
  st.peer_error.clear();
  if (st.outbound)
    back_off(self);
  else
    self->quit();
}

peer_actor::behavior_type common_behavior(self_ptr self) {
  return {
    [self](link_open_atom, uint64_t id) {
      auto& st = self->state;
      st.link_id = id;
      set_state(self, "handshaking"); // the bridge sends our hello
      self->delayed_send(self, hello_timeout, hello_deadline_atom::value, id);
    },
    [self](link_down_atom, uint64_t id, std::string& reason) {
      if (id == self->state.link_id)
        link_lost(self, reason);
    },
    [self](wire::hello& h) {
      auto& st = self->state;
      st.row.remote_id = h.id;
      st.remote_epoch = h.epoch;
      st.up = true;
      st.up_since = std::chrono::steady_clock::now();
      st.row.last_error.clear();
      st.deps.metrics->links_up.fetch_add(1);
      set_state(self, "up");
      // Catch-up: ask for everything after what we applied from this db;
      // from a db we never synced with, send a sketch of what we hold so
      // that it sends only what we lack.
      wire::sync request{st.deps.db->checkpoint(h.epoch), {}};
      if (request.since == 0 && st.deps.db->last_seq() > 0)
        request.sketch = st.deps.db->summarize(sketch::default_cells)
                           .first.to_text();
      self->send(st.deps.bridge, send_atom::value, st.link_id,
                 std::move(request));
      st.row.url = st.url;
      self->send(st.deps.router, peer_up_atom::value, peer_actor{self});
    },
    [self](const wire::sync& s) {
      auto& st = self->state;
      st.cursor = s.since;
      st.in_flight = 0;
      st.sent_upto = s.since;
      // A node that says it holds nothing gets our whole log as it is now,
      // its own earlier writes included; after that, no echoes.
      st.send_all_upto = s.since == 0 && s.sketch.empty()
                           ? st.deps.db->last_seq()
                           : 0;
      st.backlog.clear();
      st.streaming = true;
      if (s.since == 0 && !s.sketch.empty())
        reconcile(self, s.sketch);
      pump(self);
    },
    [self](wire::changes& c) {
      auto& st = self->state;
      auto link = st.link_id;
      auto upto = c.upto;
      st.row.updates_received += c.items.size();
      st.deps.metrics->updates_received.fetch_add(c.items.size());
      st.publish_row();
      write_batch batch{std::move(c.items), st.row.remote_id,
                        st.remote_epoch, upto};
      self
        ->request(st.deps.router, apply_timeout, remote_atom::value,
                  std::move(batch))
        .then(
          [self, link, upto](uint64_t) {
            if (self->state.link_id == link)
              self->send(self->state.deps.bridge, send_atom::value, link,
                         wire::ack{upto});
          },
          [self, link](caf::error& err) {
            if (self->state.link_id == link)
              self->send(self->state.deps.bridge, close_atom::value, link,
                         "cannot apply: " + caf::to_string(err));
          });
    },
    [self](const wire::ack&) {
      auto& st = self->state;
      if (st.in_flight > 0)
        --st.in_flight;
      pump(self);
    },
    [self](wire::error& e) {
      self->state.peer_error = "peer said: " + e.message;
      self->state.row.last_error = self->state.peer_error;
      self->state.publish_row();
    },
    [self](log_atom) { pump(self); },
    [self](hello_deadline_atom, uint64_t id) {
      auto& st = self->state;
      if (st.link_id == id && !st.up)
        self->send(st.deps.bridge, close_atom::value, id,
                   "no hello within 10 s");
    },
    [self](retry_atom) {
      if (self->state.outbound && self->state.link_id == 0)
        dial(self);
    },
  };
}

void init(self_ptr self, peer_deps deps, bool outbound, std::string url) {
  auto& st = self->state;
  st.deps = std::move(deps);
  st.outbound = outbound;
  st.url = std::move(url);
  st.row_key = next_link_id();
  st.row.direction = outbound ? "out" : "in";
  st.row.url = st.url;
  self->attach_functor([table = st.deps.table, key = st.row_key] {
    table->remove(key);
  });
}

} // namespace

void peer_state::publish_row() {
  deps.table->put(row_key, row);
}

peer_actor::behavior_type outbound_peer_impl(self_ptr self, peer_deps deps,
                                             std::string url) {
  init(self, std::move(deps), true, std::move(url));
  dial(self);
  return common_behavior(self);
}

peer_actor::behavior_type inbound_peer_impl(self_ptr self, peer_deps deps,
                                            uint64_t link_id,
                                            std::string address) {
  init(self, std::move(deps), false, std::move(address));
  self->state.link_id = link_id;
  self->state.row.connects = 1;
  set_state(self, "connecting");
  return common_behavior(self);
}

} // namespace p2p
