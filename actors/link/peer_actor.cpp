#include "actors/link/peer_actor.hpp"

#include "actors/link/link_log.hpp"
#include "actors/link/peer_broadcast.hpp"
#include "actors/link/peer_catch_up.hpp"
#include "actors/link/peer_reconcile.hpp"
#include "actors/link/ws_link.hpp"
#include "actors/metrics.hpp"
#include "storage/database.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <cstdlib>

namespace p2p {

namespace {

using self_ptr = peer_actor::stateful_pointer<peer_state>;

constexpr auto first_backoff = std::chrono::milliseconds(100);
constexpr auto max_backoff = std::chrono::milliseconds(5000);
// A seed that shed us (it has enough links) is dialled again this late,
// and only while we have fewer links than the minimum.
constexpr auto shed_backoff = std::chrono::seconds(60);
// A link must finish its hello within this, or it is closed.
constexpr auto hello_timeout = std::chrono::seconds(10);
// A link that stayed up this long resets the backoff; one that keeps
// failing right after its hello (say, on a frame the other side refuses)
// backs off further instead of reconnecting in a tight loop.
constexpr auto stable_link = std::chrono::seconds(10);
// At most one line per link this often about refused far-future items.
constexpr auto refusal_log_interval = std::chrono::seconds(60);

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

/// Schedules the next dial: exponential backoff with +-25% jitter; returns
/// the delay.
std::chrono::milliseconds back_off(self_ptr self) {
  auto& st = self->state;
  st.backoff = st.backoff.count() == 0
                 ? first_backoff
                 : std::min(st.backoff * 2, max_backoff);
  if (st.shed)
    st.backoff = shed_backoff;
  std::uniform_int_distribution<long> jitter(-st.backoff.count() / 4,
                                             st.backoff.count() / 4);
  auto delay = st.backoff + std::chrono::milliseconds(jitter(st.rng));
  set_state(self, "backing-off");
  self->delayed_send(self, delay, retry_atom::value);
  return delay;
}

/// The other node's clock minus ours, kept within what JSON numbers carry.
void note_clock(peer_state& st, uint64_t their_now) {
  if (their_now == 0)
    return; // a node that does not send its clock
  constexpr int64_t bound = int64_t{1} << 52;
  auto ours = static_cast<int64_t>(system_wall_ms());
  auto theirs = static_cast<int64_t>(std::min<uint64_t>(their_now, bound));
  st.row.clock_known = true;
  st.row.clock_offset_ms = theirs - ours;
  if (std::abs(st.row.clock_offset_ms) > int64_t(wire::max_clock_skew_ms))
    catch_up::log_line(st,
                       "clock far off ours: updates stamped more than 10 "
                       "minutes ahead of the receiver's clock are refused",
                       {{"offset_ms", st.row.clock_offset_ms}});
}

/// Logs refused far-future items: the first at once, then at most one line
/// per interval with the count since (the count is in /metrics anyway).
void note_refusals(peer_state& st, uint64_t refused, const std::string& why) {
  st.refusals_unlogged += refused;
  auto now = std::chrono::steady_clock::now();
  if (st.refusals_logged_at != std::chrono::steady_clock::time_point{}
      && now - st.refusals_logged_at < refusal_log_interval)
    return;
  catch_up::log_line(st,
                     "refused updates stamped too far ahead of our clock "
                     "(at most one such line a minute)",
                     {{"refused", st.refusals_unlogged}, {"latest", why}});
  st.refusals_unlogged = 0;
  st.refusals_logged_at = now;
}

void link_lost(self_ptr self, const std::string& reason) {
  auto& st = self->state;
  bool was_up = st.up;
  if (st.up) {
    st.deps.metrics->links_down.fetch_add(1);
    if (std::chrono::steady_clock::now() - st.up_since >= stable_link)
      st.backoff = std::chrono::milliseconds(0);
    if (st.deps.overlay) // what the other side said first says more
      self->send(st.deps.overlay, link_down_atom::value, st.link_id,
                 st.peer_error.empty() ? reason
                                       : st.peer_error + " (" + reason + ")");
  }
  st.up = false;
  st.replication.stop();
  st.acked_upto = 0;
  st.row.delivered_upto = 0;
  st.row.sent_upto = 0;
  st.row.backlog = 0;
  broadcast::link_ended(st);
  reconciliation::link_ended(st);
  st.link_id = 0;
  // What the other side said before closing says more than the close.
  st.row.last_error = st.peer_error.empty() ? reason
                                            : st.peer_error + " (" + reason + ")";
  st.peer_error.clear();
  auto why = st.row.last_error;
  if (was_up)
    link_log::down(st.row.remote_id, st.outbound, st.url, why);
  if (st.one_shot) {
    // An overlay dial: the overlay picks what to dial next (and logs it).
    if (!was_up)
      link_log::dial_failed(st.url, why, -1);
    if (!was_up && st.deps.overlay)
      self->send(st.deps.overlay, dial_ended_atom::value, st.url, false,
                 std::string{},
                 reason.find("self link") != std::string::npos);
    set_state(self, "closed");
    self->quit();
  } else if (st.outbound) {
    auto delay = back_off(self);
    if (!was_up)
      link_log::dial_failed(st.url, why, delay.count());
  } else {
    set_state(self, "closed"); // out of the clock figures before it goes
    self->quit();
  }
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
      st.asked_afresh = false;
      note_clock(st, h.now);
      st.up = true;
      st.up_since = std::chrono::steady_clock::now();
      st.row.last_error.clear();
      st.deps.metrics->links_up.fetch_add(1);
      st.shed = false;
      st.row.advertise = h.advertise;
      st.remote_reconciles = h.speaks_reconcile;
      broadcast::reset(st, h.speaks_tree);
      auto since = st.deps.db->checkpoint(h.epoch);
      catch_up::catch_up_started(st, since);
      set_state(self, "up");
      link_log::up(h.id, st.outbound, st.url);
      if (st.deps.overlay) {
        // Link up first: the overlay must not see the address free to dial
        // before it sees the link.
        self->send(st.deps.overlay, link_up_atom::value, st.link_id, h,
                   !st.outbound, peer_actor{self});
        if (st.one_shot)
          self->send(st.deps.overlay, dial_ended_atom::value, st.url, true,
                     h.id, false);
      }
      // Catch-up: ask for everything after what we applied from this db;
      // from a db we never synced with, send a sketch of what we hold so
      // that it sends only what we lack.
      auto request = catch_up::sync_request(st, since);
      if (request.since == 0 && request.sketch.empty())
        reconciliation::on_fresh_sync_sent(st);
      self->send(st.deps.bridge, send_atom::value, st.link_id,
                 std::move(request));
      st.row.url = st.url;
      self->send(st.deps.router, peer_up_atom::value, peer_actor{self});
    },
    [self](const wire::sync& s) { catch_up::on_sync(self, s); },
    [self](wire::changes& c) {
      auto& st = self->state;
      st.row.updates_received += c.items.size();
      st.deps.metrics->updates_received.fetch_add(c.items.size());
      if (c.refused > 0) {
        // The rest of the run stands, and the ack below moves the other
        // node past these: refusing them must not stall the link.
        st.row.updates_refused += c.refused;
        st.deps.metrics->updates_refused_skew.fetch_add(c.refused);
        note_refusals(st, c.refused, c.refusal);
      }
      st.publish_row();
      broadcast::on_changes(self, c);
    },
    [self](const wire::ack& a) {
      if (self->state.replication.acked(a.upto))
        self->state.acked_upto = std::max(self->state.acked_upto, a.upto);
      catch_up::pump(self);
      reconciliation::on_log_acked(self);
    },
    [self](wire::error& e) {
      self->state.peer_error = "peer said: " + e.message;
      self->state.row.last_error = self->state.peer_error;
      self->state.publish_row();
    },
    [self](log_atom) {
      catch_up::pump(self);
      // Something was applied here: announced updates may be held now.
      if (self->state.inbound.missing() > 0)
        broadcast::check_announced(self);
    },
    [self](wire::graft& g) { broadcast::on_graft(self, g); },
    [self](wire::prune& p) { broadcast::on_prune(self, p); },
    [self](wire::payload& p) { broadcast::on_payload(self, p); },
    [self](graft_check_atom) {
      self->state.graft_check_at.reset();
      if (self->state.up)
        broadcast::check_announced(self);
    },
    [self](wire::peers& m) {
      auto& st = self->state;
      if (st.deps.overlay)
        self->send(st.deps.overlay, std::move(m), st.link_id);
    },
    [self](wire::reconcile& page) { reconciliation::on_page(self, page); },
    [self](wire::reconciled&) { reconciliation::on_reconciled(self); },
    [self](const wire::horizon& h) { reconciliation::on_horizon(self, h); },
    [self](wire::shed&) {
      self->state.shed = true; // the close follows
    },
    [self](hello_deadline_atom, uint64_t id) {
      auto& st = self->state;
      if (st.link_id == id && !st.up)
        self->send(st.deps.bridge, close_atom::value, id,
                   "no hello within 10 s");
    },
    [self](retry_atom) {
      auto& st = self->state;
      if (!st.outbound || st.link_id != 0)
        return;
      // Shed by this seed: while the overlay found enough other links,
      // leave it be.
      if (st.shed && st.deps.min_links > 0
          && st.deps.table->count_up() >= st.deps.min_links)
        return static_cast<void>(back_off(self));
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
  st.row.seed = outbound;
  st.row.url = st.url;
  self->attach_functor([table = st.deps.table, key = st.row_key] {
    table->remove(key);
  });
}

} // namespace

void peer_state::publish_row() {
  deps.table->put(row_key, row);
  deps.metrics->clock_offset_max_ms.store(deps.table->max_clock_offset_ms());
}

peer_actor::behavior_type outbound_peer_impl(self_ptr self, peer_deps deps,
                                             std::string url) {
  init(self, std::move(deps), true, std::move(url));
  dial(self);
  return common_behavior(self);
}

peer_actor::behavior_type passive_peer_impl(self_ptr self, peer_deps deps,
                                            std::string url) {
  init(self, std::move(deps), true, std::move(url));
  self->state.one_shot = true;
  self->state.row.seed = false;
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
