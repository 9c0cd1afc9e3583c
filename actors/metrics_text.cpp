// The Prometheus text exposition of /metrics: every family with its HELP and
// TYPE, counters ending in _total, base units (seconds, bytes), parallel
// counters folded into labels.
#include "actors/metrics_text.hpp"

#include "actors/link/link_table.hpp"
#include "actors/metrics.hpp"
#include "actors/stream_budget.hpp"
#include "storage/database.hpp"

#include <map>
#include <utility>

namespace p2p {


namespace {

using prom::family;
using prom::single;

/// One counter family with a label telling its series apart, e.g.
/// p2p_link_bytes_total{direction="sent"}.
void labelled(std::string& out, const char* name, const char* help,
              const char* key,
              std::initializer_list<std::pair<const char*, uint64_t>> series) {
  family(out, name, "counter", help);
  for (const auto& [value, n] : series) {
    std::string labels;
    prom::label(labels, key, value);
    prom::sample(out, name, prom::label_set(labels), n);
  }
}

void http_families(std::string& out, const http_metrics& h) {
  family(out, "p2p_http_requests_total", "counter",
         "HTTP requests answered, by route template and status code");
  for (std::size_t r = 0; r < http_route_count; ++r)
    for (std::size_t c = 0; c < h.by_code[r].size(); ++c)
      if (auto n = h.by_code[r][c].load(std::memory_order_relaxed)) {
        std::string labels;
        prom::label(labels, "route", route_label(static_cast<http_route>(r)));
        prom::label(labels, "code", std::to_string(c + http_metrics::min_code));
        prom::sample(out, "p2p_http_requests_total", prom::label_set(labels),
                     n);
      }
  family(out, "p2p_http_request_duration_seconds", "histogram",
         "time from a request read to its answer handed to the socket, by "
         "route (streams, /events, /export and /p2p, are not timed)");
  for (std::size_t r = 0; r < http_route_count; ++r) {
    auto s = h.latency[r].snapshot();
    if (s.count() == 0)
      continue;
    std::string labels;
    prom::label(labels, "route", route_label(static_cast<http_route>(r)));
    prom::histogram_samples(out, "p2p_http_request_duration_seconds", labels,
                            s);
  }
}

/// Per link, labelled by the remote node's id (its URL or address until
/// its hello) and direction: up or not, and for links up how far behind
/// our log head the updates not sent yet and not acknowledged yet reach.
void link_families(std::string& out, const link_table& links,
                   uint64_t head) {
  struct agg {
    bool up = false;
    uint64_t queued = 0, lag = 0;
  };
  std::map<std::pair<std::string, std::string>, agg> by_peer;
  for (const auto& row : links.rows()) {
    auto& a = by_peer[{row.remote_id.empty() ? row.url : row.remote_id,
                       row.direction}];
    if (row.state != "up")
      continue;
    a.up = true;
    auto behind = [head](uint64_t upto) { return head > upto ? head - upto : 0; };
    a.queued += row.backlog + behind(row.sent_upto);
    a.lag = std::max(a.lag, behind(row.delivered_upto));
  }
  auto each = [&](const char* name, const char* help, bool up_only,
                  auto value) {
    family(out, name, "gauge", help);
    for (const auto& [key, a] : by_peer) {
      if (up_only && !a.up)
        continue;
      std::string labels;
      prom::label(labels, "peer", key.first);
      prom::label(labels, "direction", key.second);
      prom::sample(out, name, prom::label_set(labels), value(a));
    }
  };
  each("p2p_link_connected", "1 while the link to this peer is up, else 0",
       false, [](const agg& a) { return uint64_t{a.up ? 1u : 0u}; });
  each("p2p_link_queued_updates",
       "updates of our log not yet sent on this link (a sketch's backlog plus "
       "log sequence numbers past what was sent; an upper bound)",
       true, [](const agg& a) { return a.queued; });
  each("p2p_link_lag_updates",
       "log sequence numbers between our head and what this peer has "
       "acknowledged applying (replication lag; an upper bound)",
       true, [](const agg& a) { return a.lag; });
}

} // namespace

std::string render_metrics(const node_metrics& m, const database& db,
                           const stream_budget* budget,
                           const link_table* links) {
  std::string out;
  out.reserve(16384);
  http_families(out, m.http);
  single(out, "p2p_writes_total", "counter",
         "local writes and deletes applied", m.writes.load());
  family(out, "p2p_commit_duration_seconds", "histogram",
         "LMDB write transactions' commit (their fsync)");
  prom::histogram_samples(out, "p2p_commit_duration_seconds", {},
                          m.commit_seconds.snapshot());
  single(out, "p2p_subscribers", "gauge", "active subscriptions",
         static_cast<uint64_t>(std::max<int64_t>(0, m.subscribers.load())));
  single(out, "p2p_sse_clients", "gauge", "open /events streams",
         static_cast<uint64_t>(std::max<int64_t>(0, m.sse_clients.load())));
  auto head = db.last_seq();
  single(out, "p2p_store_entries", "gauge", "live entries (no tombstones)",
         db.live_entries());
  single(out, "p2p_store_last_seq", "gauge", "local change sequence", head);
  single(out, "p2p_store_map_bytes", "gauge", "LMDB map size",
         static_cast<uint64_t>(db.map_size()));
  auto horizon = db.horizon();
  single(out, "p2p_tombstones", "gauge",
         "tombstones held (deletes not collected)", horizon.tombstones_held);
  single(out, "p2p_tombstones_collected_total", "counter",
         "tombstones removed past the TTL", horizon.collected);
  single(out, "p2p_tombstone_horizon_timestamp_seconds", "gauge",
         "wall-clock time (Unix seconds) below which every tombstone is gone "
         "(0: none collected)",
         static_cast<double>(wall_ms_of(horizon.horizon)) / 1000.0);
  single(out, "p2p_updates_dropped_horizon_total", "counter",
         "updates older than the horizon for paths not held, dropped",
         horizon.dropped);
  labelled(out, "p2p_reconciliations_total",
           "reconciliations: served (syncs answered with an inventory, the "
           "peer may hold collected deletes) and made (finished here)",
           "role",
           {{"served", m.reconciles_served.load()},
            {"made", m.reconciles_made.load()}});
  single(out, "p2p_reconcile_removed_total", "counter",
         "entries removed here as deleted and collected elsewhere",
         m.reconcile_removed.load());
  single(out, "p2p_updates_received_total", "counter",
         "updates received from peers", m.updates_received.load());
  single(out, "p2p_updates_applied_total", "counter",
         "peer updates that changed the store", m.updates_applied.load());
  single(out, "p2p_updates_forwarded_total", "counter",
         "update sends to peers", m.updates_forwarded.load());
  single(out, "p2p_duplicates_dropped_total", "counter",
         "peer updates already seen", m.duplicates_dropped.load());
  single(out, "p2p_schema_mismatches_total", "counter",
         "replicated or imported updates kept although a local schema "
         "refuses them",
         m.schema_mismatches.load());
  labelled(out, "p2p_queries_total",
           "field queries, by plan: answered by an index or by a scan", "plan",
           {{"index", m.queries_indexed.load()},
            {"scan", m.queries_scanned.load()}});
  labelled(out, "p2p_link_bytes_total", "peer-link frame bytes", "direction",
           {{"sent", m.link_bytes_sent.load()},
            {"received", m.link_bytes_received.load()}});
  labelled(out, "p2p_sketch_sync_attempts_total",
           "first syncs with a peer by sketch: ok (sent only what it lacked) "
           "or too_large (the difference did not fit; the whole log)",
           "result",
           {{"ok", m.sketch_syncs.load()},
            {"too_large", m.sketch_fallbacks.load()}});
  labelled(out, "p2p_link_state_changes_total",
           "links that came up and went down", "state",
           {{"up", m.links_up.load()}, {"down", m.links_down.load()}});
  single(out, "p2p_updates_refused_skew_total", "counter",
         "peer updates refused for a stamp more than 10 minutes ahead of "
         "this node's clock",
         m.updates_refused_skew.load());
  single(out, "p2p_updates_skipped_oversize_total", "counter",
         "records of this node too large for any frame, never sent",
         m.updates_skipped_oversize.load());
  single(out, "p2p_clock_offset_max_seconds", "gauge",
         "largest clock difference, either way, between this node and a "
         "peer linked now (from their hellos)",
         static_cast<double>(m.clock_offset_max_ms.load()) / 1000.0);
  if (links)
    link_families(out, *links, head);
  labelled(out, "p2p_announcements_total",
           "update ids sent or received on lazy links instead of payloads "
           "(tree broadcast)",
           "direction",
           {{"sent", m.announcements_sent.load()},
            {"received", m.announcements_received.load()}});
  single(out, "p2p_announcement_bytes_sent_total", "counter",
         "bytes of the ids sent in their frames",
         m.announcement_bytes_sent.load());
  labelled(out, "p2p_grafts_total",
           "announced updates asked for (GRAFT): sent, not received in time; "
           "received, peers asking this node",
           "direction",
           {{"sent", m.grafts_sent.load()},
            {"received", m.grafts_received.load()}});
  labelled(out, "p2p_prunes_total",
           "links made lazy after a duplicate payload (PRUNE): sent by this "
           "node, received from peers",
           "direction",
           {{"sent", m.prunes_sent.load()},
            {"received", m.prunes_received.load()}});
  single(out, "p2p_overlay_joins_total", "counter",
         "links up seen by the overlay", m.overlay_joins.load());
  single(out, "p2p_overlay_dials_total", "counter",
         "dials of learned addresses", m.overlay_dials.load());
  single(out, "p2p_overlay_dial_failures_total", "counter",
         "dials of learned addresses that did not give a link",
         m.overlay_dial_failures.load());
  labelled(out, "p2p_shuffles_total", "peer exchange messages", "direction",
           {{"sent", m.shuffles_sent.load()},
            {"received", m.shuffles_received.load()}});
  single(out, "p2p_sheds_total", "counter",
         "links closed for being above --max-links", m.sheds.load());
  single(out, "p2p_overlay_passive", "gauge", "addresses in the passive view",
         m.passive_size.load());
  single(out, "p2p_overlay_active", "gauge", "links up in the active view",
         m.active_links.load());
  if (budget) {
    single(out, "p2p_sse_buffer_bytes", "gauge",
           "bytes of events held for /events readers, all streams together",
           static_cast<uint64_t>(budget->used()));
    single(out, "p2p_sse_buffer_limit_bytes", "gauge",
           "the budget of p2p_sse_buffer_bytes (--sse-buffer-bytes)",
           static_cast<uint64_t>(budget->limit()));
    single(out, "p2p_sse_streams_ended_total", "counter",
           "/events streams ended for holding the most when over the budget",
           static_cast<uint64_t>(budget->evictions()));
  }
  prom::process_families(out);
  return out;
}

} // namespace p2p
