#include "actors/link/peer_broadcast.hpp"

#include "actors/link/peer_catch_up.hpp"
#include "actors/link/peer_reconcile.hpp"
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

/// Held, or never to be: older than our horizon for a path we do not hold,
/// it would be dropped (its delete was collected here), so it is not
/// waited for or grafted.
bool held(const database& db, const wire::item_id& id) {
  auto rec = db.get(id.path);
  if (!rec)
    return id.time < db.horizon_stamp();
  return holds_at_least(rec->u.time, rec->u.origin, id);
}

/// What the store holds against an update arriving: nothing as new
/// (`fresh`), the very version (`duplicate`: it came by another path of
/// its origin's tree), or a version that wins by last-write-wins.
enum class arrival { fresh, duplicate, superseded };

arrival judge(const database& db, const update& u) {
  auto rec = db.get(u.path);
  if (!rec || version_wins(u.time, u.origin, u.value, rec->u.time,
                           rec->u.origin, rec->u.value))
    return arrival::fresh;
  return rec->u.time == u.time && rec->u.origin == u.origin
           ? arrival::duplicate
           : arrival::superseded;
}

/// Acknowledges the runs applied, in order, and writes the checkpoint of
/// runs applied without theirs once their announced ids are all held (an
/// empty batch through the router; the store keeps the larger).
void flush_acks(self_ptr self) {
  auto& st = self->state;
  for (auto upto : st.inbound.ackable())
    self->send(st.deps.bridge, send_atom::value, st.link_id, wire::ack{upto});
  auto checkpoint = st.inbound.resolved_checkpoint();
  if (!checkpoint)
    return;
  auto link = st.link_id;
  self
    ->request(st.deps.router, apply_timeout, remote_atom::value,
              write_batch{{}, st.row.remote_id, st.remote_epoch, *checkpoint})
    .then([](uint64_t) {},
          [self, link](caf::error& err) {
            if (self->state.link_id == link)
              close_link(self, "cannot keep a checkpoint: "
                                 + caf::to_string(err));
          });
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

// Origins a link keeps apart: node ids, a few hundred in any real network;
// a liar inventing more only makes its link forget (and push eagerly).
constexpr std::size_t max_origins = 4096;

void bounded_insert(std::set<std::string>& set, const std::string& origin) {
  if (set.size() >= max_origins && !set.count(origin))
    set.clear();
  set.insert(origin);
}

/// Applies updates from this link through the router, with the run's
/// checkpoint (`upto`) unless they answer a graft; `then` gets how many
/// changed the store, on the link they came on.
template <class Then>
void apply(self_ptr self, std::vector<update> items,
           std::optional<uint64_t> upto, Then then) {
  auto& st = self->state;
  auto link = st.link_id;
  write_batch batch{std::move(items), st.row.remote_id,
                    upto ? st.remote_epoch : std::string{}, upto.value_or(0)};
  // The node we adopt the picture of (reconciliation): not checked
  // against our horizon.
  batch.check_horizon = !st.adopting.baseline;
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

void send_frame(self_ptr self, std::string text) {
  self->send(self->state.deps.bridge, send_atom::value, self->state.link_id,
             std::move(text));
}

void close_link(self_ptr self, const std::string& why) {
  self->send(self->state.deps.bridge, close_atom::value, self->state.link_id,
             why);
}

void link_ended(peer_state& st) {
  st.inbound.clear();
}

const char* mode_name(const peer_state& st) {
  return st.tree ? "tree" : "flood";
}

void reset(peer_state& st, bool remote_speaks_tree) {
  st.tree = st.deps.tree && remote_speaks_tree;
  st.lazy_push.clear();
  st.inbound = inbound_runs(st.deps.inbound);
  st.row.broadcast = mode_name(st);
}

void send_run(self_ptr self, wire::changes run) {
  auto& st = self->state;
  if (st.tree && !st.lazy_push.empty()) {
    // The pruned origins' updates go as ids: their payloads reach the
    // other node along its tree for that origin.
    std::vector<update> eager;
    eager.reserve(run.items.size());
    for (auto& u : run.items) {
      if (st.lazy_push.count(u.origin))
        run.ids.push_back({std::move(u.path), u.time, std::move(u.origin)});
      else
        eager.push_back(std::move(u));
    }
    run.items = std::move(eager);
    // Their bytes are counted where the frame is encoded (the bridge).
    st.deps.metrics->announcements_sent.fetch_add(run.ids.size());
  }
  st.row.updates_sent += run.items.size();
  st.deps.metrics->updates_forwarded.fetch_add(run.items.size());
  self->send(st.deps.bridge, send_atom::value, st.link_id, std::move(run));
}

void on_changes(self_ptr self, wire::changes& c) {
  auto& st = self->state;
  auto now = std::chrono::steady_clock::now();
  bool tail = catch_up::run_arrived(st, c); // before its items move
  // A payload this node holds already came by another path of its
  // origin's tree: this link may carry that origin's ids only (prune).
  // One that lost to a later version is not applied either, but proves
  // nothing about the tree. The announced ids not held wait.
  std::vector<update> fresh;
  fresh.reserve(c.items.size());
  wire::prune duplicates;
  for (auto& u : c.items) {
    auto a = st.tree ? judge(*st.deps.db, u) : arrival::fresh;
    if (a == arrival::fresh) {
      fresh.push_back(std::move(u));
      continue;
    }
    auto& o = duplicates.origins;
    if (a == arrival::duplicate && std::find(o.begin(), o.end(), u.origin) == o.end())
      o.push_back(u.origin);
  }
  if (st.deps.claims && !fresh.empty())
    st.deps.claims->pushed(now); // payloads still flow: see graft_claims
  if (!duplicates.origins.empty()) {
    for (const auto& o : duplicates.origins)
      bounded_insert(st.lazy_push, o); // Plumtree: lazy both ways
    st.deps.metrics->prunes_sent.fetch_add(duplicates.origins.size());
    send_frame(self, wire::encode(duplicates));
  }
  std::vector<wire::item_id> missing;
  if (!c.ids.empty())
    st.deps.metrics->announcements_received.fetch_add(c.ids.size());
  for (auto& id : c.ids)
    if (!held(*st.deps.db, id))
      missing.push_back(std::move(id));
  auto admitted = st.inbound.expect_applied(c.upto, std::move(missing), now);
  if (!admitted.ok)
    return close_link(self, "too many runs or announced updates "
                            "unacknowledged");
  auto checkpoint = admitted.checkpoint_later
                      ? std::nullopt
                      : reconciliation::checkpoint_of_run(st, c.upto);
  apply(self, std::move(fresh), checkpoint,
        [self, token = admitted.token, tail](uint64_t) {
          self->state.inbound.applied(token);
          catch_up::run_applied(self->state, tail);
          check_announced(self);
        });
}

void check_announced(self_ptr self) {
  auto& st = self->state;
  auto& db = *st.deps.db;
  auto now = std::chrono::steady_clock::now();
  if (st.inbound.missing() > 0)
    st.inbound.recheck([&db](const wire::item_id& id) { return held(db, id); });
  flush_acks(self);
  if (st.inbound.overdue(now))
    return close_link(self, "it announced updates it did not send when "
                            "asked (graft unanswered)");
  inbound_runs::claim_fn claim;
  if (st.deps.claims)
    claim = [&](const wire::item_id& id, std::chrono::milliseconds waited) {
      return st.deps.claims->claim(id, now, waited);
    };
  auto due = st.inbound.due(now, claim);
  if (!due.empty()) {
    st.deps.metrics->grafts_sent.fetch_add(due.size());
    // GRAFT makes the link eager both ways for those origins: a tree edge
    // again.
    for (const auto& id : due)
      st.lazy_push.erase(id.origin);
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
  for (const auto& id : g.items)
    st.lazy_push.erase(id.origin);
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

void on_prune(self_ptr self, wire::prune& p) {
  auto& st = self->state;
  st.deps.metrics->prunes_received.fetch_add(p.origins.size());
  for (const auto& o : p.origins)
    bounded_insert(st.lazy_push, o); // Plumtree: lazy both ways
}

void on_payload(self_ptr self, wire::payload& p) {
  auto& st = self->state;
  st.row.updates_received += p.items.size();
  st.deps.metrics->updates_received.fetch_add(p.items.size());
  // What this node refuses (stamped too far ahead) it acknowledges past,
  // as a flooded run's refused items.
  st.inbound.give_up(p.refused_paths);
  apply(self, std::move(p.items), std::nullopt,
        [self](uint64_t) { check_announced(self); });
}

} // namespace p2p::broadcast
