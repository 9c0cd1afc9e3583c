#include "actors/link/peer_reconcile.hpp"

#include "actors/link/peer_broadcast.hpp"
#include "actors/metrics.hpp"
#include "storage/database.hpp"

#include <caf/all.hpp>

#include <algorithm>

namespace p2p::reconciliation {

namespace {

// Pages in flight, and what one holds: a few hundred KiB a frame, so pages
// interleave with the log's runs on the link.
constexpr std::size_t pages_in_flight = 2;
constexpr std::size_t page_bytes = 256 * 1024;
// A liar may send pages without waiting; more than this unapplied closes.
constexpr std::size_t max_pages_applying = 2 * pages_in_flight;
constexpr auto apply_timeout = std::chrono::seconds(60);

using broadcast::close_link;
using broadcast::send_frame;

/// Sends our horizon once the pages are applied and our log has been
/// applied there through where it stood at its sync.
void finish_if_done(self_ptr self) {
  auto& st = self->state;
  auto& out = st.serving;
  auto& rep = st.replication;
  if (!out.active || !out.sent_end || out.in_flight > 0 || rep.in_flight() > 0
      || rep.backlog_size() > 0)
    return;
  if (rep.cursor() < out.upto) {
    // The log's last positions may be gone (collected): read on from the
    // cursor, up to `upto` there must be nothing left to send.
    auto next = st.deps.db->changes_since(rep.cursor(), 1);
    if (!next.empty() && next.front().seq <= out.upto)
      return;
  }
  out.active = false;
  send_frame(self, wire::encode(wire::horizon{out.horizon}));
}

void send_pages(self_ptr self) {
  auto& st = self->state;
  auto& out = st.serving;
  if (!out.inventory)
    out.sent_end = true; // a node that holds nothing is sent no pages
  while (out.active && !out.sent_end && out.in_flight < pages_in_flight) {
    wire::reconcile page;
    page.horizon = out.horizon;
    page.after = out.after;
    // With no horizon nothing can be removed there: one empty last page.
    if (out.horizon > 0)
      page.paths = st.deps.db->paths_page(out.after, wire::max_paths_per_page,
                                          page_bytes);
    std::size_t bytes = 0;
    for (const auto& p : page.paths)
      bytes += p.size();
    page.end = page.paths.size() < wire::max_paths_per_page
               && bytes < page_bytes;
    if (!page.end)
      out.after = page.through = page.paths.back();
    out.sent_end = page.end;
    ++out.in_flight;
    send_frame(self, wire::encode(page));
  }
  finish_if_done(self);
}

} // namespace

void on_sync(self_ptr self, const sync_facts& facts) {
  auto& st = self->state;
  st.serving = {};
  if (!st.remote_reconciles)
    return; // an older node: it cannot be told (WIRE.md)
  auto hz = st.deps.db->horizon();
  bool behind = facts.since > 0 && facts.since < hz.reconcile_below;
  // By a sketch that decodes, what it holds and we lack is streamed to us
  // (and dropped here if collected): only an undecodable one needs pages.
  bool unknown = facts.by_sketch && hz.horizon > 0 && !facts.sketch_decoded;
  if (!facts.holds_nothing && !behind && !unknown)
    return;
  if (behind || unknown)
    st.deps.metrics->reconciles_served.fetch_add(1);
  st.serving.active = true;
  st.serving.inventory = !facts.empty;
  st.serving.horizon = hz.horizon;
  st.serving.upto = st.deps.db->last_seq();
  send_pages(self);
}

void on_fresh_sync_sent(peer_state& st) {
  st.adopting = {};
  st.adopting.baseline = st.remote_reconciles;
}

void on_reconciled(self_ptr self) {
  auto& out = self->state.serving;
  if (out.in_flight == 0)
    return close_link(self, "acknowledged a reconcile page it was not sent");
  --out.in_flight;
  send_pages(self);
}

void on_log_acked(self_ptr self) {
  finish_if_done(self);
}

void on_page(self_ptr self, wire::reconcile& page) {
  auto& st = self->state;
  auto& in = st.adopting;
  if (page.after.empty()) {
    // A (new) reconciliation from the start: a second sync restarts it.
    // Pages of the old one may still be applying: they stay counted.
    auto applying = in.applying;
    auto baseline = in.baseline;
    in = {};
    in.applying = applying;
    in.baseline = baseline;
    in.started = true;
    in.horizon = page.horizon;
  } else if (!in.started || in.ended || page.after != in.next_after
             || page.horizon != in.horizon) {
    return close_link(self, "reconcile page out of order");
  }
  if (in.applying >= max_pages_applying)
    return close_link(self, "too many reconcile pages unacknowledged");
  in.ended = page.end;
  in.next_after = page.through;
  ++in.applying;
  absent_page absent{std::move(page.after), std::move(page.through),
                     std::move(page.paths), page.horizon};
  auto link = st.link_id;
  self
    ->request(st.deps.router, apply_timeout, reconcile_atom::value,
              std::move(absent))
    .then(
      [self, link](uint64_t) {
        auto& st = self->state;
        if (st.link_id != link)
          return;
        if (st.adopting.applying > 0)
          --st.adopting.applying;
        send_frame(self, wire::encode(wire::reconciled{}));
      },
      [self, link](caf::error& err) {
        if (self->state.link_id == link)
          close_link(self, "cannot reconcile: " + caf::to_string(err));
      });
}

void on_horizon(self_ptr self, const wire::horizon& h) {
  auto& st = self->state;
  auto& in = st.adopting;
  // After its pages; or, having synced from nothing, with no pages at all.
  bool fresh = in.baseline && !in.started;
  if (!fresh && (!in.ended || in.applying > 0))
    return close_link(self, "a horizon before its reconciliation ended");
  if (!fresh && h.value != in.horizon)
    return close_link(self, "a horizon other than its reconcile pages'");
  // The runs applied meanwhile went without their checkpoint: a node cut
  // off mid-way asks from where it stood and is sent the pages again.
  if (in.last_upto > 0 && st.inbound.missing() == 0)
    self
      ->request(st.deps.router, apply_timeout, remote_atom::value,
                write_batch{{}, st.row.remote_id, st.remote_epoch, in.last_upto})
      .then([](uint64_t) {}, [](caf::error&) {
        // Not kept: the next reconnect reconciles again (bytes, not data).
      });
  in = {};
  // Never a horizon in our future (a peer's clock ahead of ours).
  auto h_value = std::min(h.value, hlc_from_ms(system_wall_ms()));
  if (h_value == 0)
    return; // it has collected nothing: nothing to adopt
  self->send(st.deps.router, horizon_atom::value, h_value);
  st.deps.metrics->reconciles_made.fetch_add(1);
}

std::optional<uint64_t> checkpoint_of_run(peer_state& st, uint64_t upto) {
  auto& in = st.adopting;
  if (!in.started || in.baseline)
    return upto;
  in.last_upto = std::max(in.last_upto, upto);
  return std::nullopt;
}

void link_ended(peer_state& st) {
  st.serving = {};
  st.adopting = {};
}

} // namespace p2p::reconciliation
