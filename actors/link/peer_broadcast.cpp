#include "actors/link/peer_broadcast.hpp"

#include "actors/metrics.hpp"
#include "storage/database.hpp"

#include <caf/all.hpp>

namespace p2p::broadcast {

namespace {

constexpr auto apply_timeout = std::chrono::seconds(60);
// What one graft's answer may hold, values included: a legitimate graft
// asks for a window of runs (a few MiB at most); a liar asking for more
// gets the first part and a link that the other side closes in time.
constexpr std::size_t max_answer_bytes = std::size_t{8} << 20;
// A payload frame is cut past this, as a run of our log is.
constexpr std::size_t payload_frame_bytes = 512 * 1024;

void send_frame(self_ptr self, std::string text) {
  self->send(self->state.deps.bridge, send_atom::value, self->state.link_id,
             std::move(text));
}

void close_link(self_ptr self, const std::string& why) {
  self->send(self->state.deps.bridge, close_atom::value, self->state.link_id,
             why);
}

bool held(const database& db, const wire::item_id& id) {
  auto rec = db.get(id.path);
  return rec && holds_at_least(rec->u.time, rec->u.origin, id);
}

void flush_acks(self_ptr self) {
  auto& st = self->state;
  for (auto upto : st.inbound.ackable())
    self->send(st.deps.bridge, send_atom::value, st.link_id, wire::ack{upto});
}

/// A timer for the earliest deadline; one set for a later deadline stays
/// (it only makes one more, idle, check).
void schedule_check(self_ptr self) {
  auto& st = self->state;
  auto next = st.inbound.next_deadline();
  if (!next || (st.graft_check_at && *st.graft_check_at <= *next))
    return;
  st.graft_check_at = *next;
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
                *next - std::chrono::steady_clock::now())
              + std::chrono::milliseconds(1);
  self->delayed_send(self, std::max(wait, std::chrono::milliseconds(1)),
                     graft_check_atom::value);
}

/// Keeps the node's count of links that push payloads to it.
void set_pulled_eager(peer_state& st, bool eager) {
  if (st.pulled_eager == eager)
    return;
  st.pulled_eager = eager;
  if (st.deps.eager_inbound)
    st.deps.eager_inbound->fetch_add(eager ? 1 : -1);
}

/// The last link that pushes payloads here is not pruned: without it every
/// update would wait for a graft.
bool may_prune(const peer_state& st) {
  return !st.deps.eager_inbound || st.deps.eager_inbound->load() > 1;
}

void prune(self_ptr self) {
  auto& st = self->state;
  set_pulled_eager(st, false);
  st.push_eager = false; // Plumtree: the link is lazy both ways
  st.deps.metrics->prunes_sent.fetch_add(1);
  send_frame(self, wire::encode(wire::prune{}));
  st.row.broadcast = mode_name(st);
  st.publish_row();
}

/// Applies updates from this link through the router; `then` gets how
/// many changed the store, on the link they came on.
template <class Then>
void apply(self_ptr self, std::vector<update> items, uint64_t upto,
           Then then) {
  auto& st = self->state;
  auto link = st.link_id;
  write_batch batch{std::move(items), st.row.remote_id,
                    upto > 0 ? st.remote_epoch : std::string{}, upto};
  self
    ->request(st.deps.router, apply_timeout, remote_atom::value,
              std::move(batch))
    .then(
      [self, link, then](uint64_t applied) mutable {
        if (self->state.link_id == link)
          then(applied);
      },
      [self, link](caf::error& err) {
        if (self->state.link_id == link)
          close_link(self, "cannot apply: " + caf::to_string(err));
      });
}

} // namespace

void link_ended(peer_state& st) {
  set_pulled_eager(st, false);
  st.inbound.clear();
}

const char* mode_name(const peer_state& st) {
  if (!st.tree)
    return "flood";
  return st.push_eager ? "eager" : "lazy";
}

void reset(peer_state& st, bool remote_speaks_tree) {
  st.tree = st.deps.tree && remote_speaks_tree;
  st.push_eager = true;
  set_pulled_eager(st, st.tree);
  st.inbound = inbound_runs(st.deps.inbound);
  st.row.broadcast = mode_name(st);
}

void send_run(self_ptr self, wire::changes run) {
  auto& st = self->state;
  if (!st.tree || st.push_eager || run.items.empty()) {
    st.row.updates_sent += run.items.size();
    st.deps.metrics->updates_forwarded.fetch_add(run.items.size());
    self->send(st.deps.bridge, send_atom::value, st.link_id, std::move(run));
    return;
  }
  wire::ihave h;
  h.upto = run.upto;
  h.items.reserve(run.items.size());
  for (auto& u : run.items)
    h.items.push_back({std::move(u.path), u.time, std::move(u.origin)});
  auto text = wire::encode(h);
  st.deps.metrics->announcements_sent.fetch_add(h.items.size());
  st.deps.metrics->announcement_bytes_sent.fetch_add(text.size());
  send_frame(self, std::move(text));
}

void on_changes(self_ptr self, wire::changes& c) {
  auto& st = self->state;
  uint64_t token = 0;
  if (!st.inbound.expect_applied(c.upto, token))
    return close_link(self, "too many runs unacknowledged");
  auto offered = c.items.size();
  if (st.deps.claims && !c.items.empty()) {
    // This link still delivers these origins' updates (in order).
    auto now = std::chrono::steady_clock::now();
    const std::string* last = nullptr;
    for (const auto& u : c.items)
      if (!last || *last != u.origin)
        st.deps.claims->arrived(*(last = &u.origin), now);
  }
  apply(self, std::move(c.items), c.upto, [self, token, offered](uint64_t n) {
    auto& st = self->state;
    st.inbound.applied(token);
    // A payload this node had already: it came by another eager path too.
    if (st.tree && st.pulled_eager && n < offered && may_prune(st))
      prune(self);
    check_announced(self);
  });
}

void on_ihave(self_ptr self, wire::ihave& h) {
  auto& st = self->state;
  st.deps.metrics->announcements_received.fetch_add(h.items.size());
  std::vector<wire::item_id> missing;
  for (auto& id : h.items)
    if (!held(*st.deps.db, id))
      missing.push_back(std::move(id));
  if (!st.inbound.announced(h.upto, std::move(missing),
                            std::chrono::steady_clock::now()))
    return close_link(self, "too many runs unacknowledged");
  flush_acks(self);
  schedule_check(self);
}

void check_announced(self_ptr self) {
  auto& st = self->state;
  auto& db = *st.deps.db;
  if (st.inbound.missing() > 0)
    st.inbound.recheck([&db](const wire::item_id& id) { return held(db, id); });
  flush_acks(self);
  auto now = std::chrono::steady_clock::now();
  if (st.inbound.overdue(now))
    return close_link(self, "it announced updates it did not send when "
                            "asked (graft unanswered)");
  inbound_runs::claim_fn claim;
  if (st.deps.claims)
    claim = [&](const wire::item_id& id) {
      return st.deps.claims->claim(id, now);
    };
  auto due = st.inbound.due(now, claim);
  if (!due.empty()) {
    st.deps.metrics->grafts_sent.fetch_add(due.size());
    // GRAFT makes the link eager both ways: it is a tree edge again.
    st.push_eager = true;
    set_pulled_eager(st, true);
    st.row.broadcast = mode_name(st);
    st.publish_row();
    for (std::size_t i = 0; i < due.size(); i += wire::max_ids_per_frame) {
      wire::graft g;
      auto end = std::min(due.size(), i + wire::max_ids_per_frame);
      g.items.assign(std::make_move_iterator(due.begin() + i),
                     std::make_move_iterator(due.begin() + end));
      send_frame(self, wire::encode(g));
    }
  }
  schedule_check(self);
}

void on_graft(self_ptr self, wire::graft& g) {
  auto& st = self->state;
  st.deps.metrics->grafts_received.fetch_add(g.items.size());
  st.push_eager = true;
  set_pulled_eager(st, true);
  st.row.broadcast = mode_name(st);
  std::vector<update> chunk;
  std::size_t chunk_bytes = 0, answered_bytes = 0;
  auto flush = [&] {
    if (chunk.empty())
      return;
    std::vector<const update*> items;
    for (const auto& u : chunk)
      items.push_back(&u);
    st.row.updates_sent += chunk.size();
    st.deps.metrics->updates_forwarded.fetch_add(chunk.size());
    send_frame(self, wire::encode_payload(items));
    chunk.clear();
    chunk_bytes = 0;
  };
  for (const auto& id : g.items) {
    auto rec = st.deps.db->get(id.path);
    if (!rec) // an id we never announced: nothing to send
      continue;
    auto n = wire::encoded_item_bytes(rec->u);
    if (n + 1024 > wire::max_frame_bytes)
      continue; // never sendable (an older version's record; see WIRE.md)
    if (answered_bytes + n > max_answer_bytes)
      break;
    if (chunk_bytes + n > payload_frame_bytes)
      flush();
    chunk_bytes += n;
    answered_bytes += n;
    chunk.push_back(std::move(rec->u));
  }
  flush();
  st.publish_row();
}

void on_prune(self_ptr self) {
  auto& st = self->state;
  st.deps.metrics->prunes_received.fetch_add(1);
  st.push_eager = false;
  set_pulled_eager(st, false); // it pushes lazily to us too
  st.row.broadcast = mode_name(st);
  st.publish_row();
}

void on_payload(self_ptr self, wire::payload& p) {
  auto& st = self->state;
  st.row.updates_received += p.items.size();
  st.deps.metrics->updates_received.fetch_add(p.items.size());
  apply(self, std::move(p.items), 0,
        [self](uint64_t) { check_announced(self); });
}

} // namespace p2p::broadcast
