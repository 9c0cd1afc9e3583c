#include "actors/metrics.hpp"

#include "actors/stream_budget.hpp"
#include "storage/database.hpp"

namespace p2p {

namespace {

template <class T>
void add(std::string& out, const char* name, const char* type,
         const char* help, T value) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
  out += name;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

} // namespace

std::string render_metrics(const node_metrics& m, const database& db,
                           const stream_budget* budget) {
  std::string out;
  out.reserve(2048);
  add(out, "p2p_http_requests_total", "counter", "HTTP requests served",
      m.http_requests.load());
  add(out, "p2p_http_errors_total", "counter", "HTTP 4xx/5xx answers",
      m.http_errors.load());
  add(out, "p2p_writes_total", "counter", "local writes and deletes applied",
      m.writes.load());
  add(out, "p2p_commits_total", "counter", "store transactions committed",
      m.commits.load());
  add(out, "p2p_subscribers", "gauge", "active subscriptions",
      m.subscribers.load());
  add(out, "p2p_sse_clients", "gauge", "open /events streams",
      m.sse_clients.load());
  add(out, "p2p_store_entries", "gauge", "live entries (no tombstones)",
      db.live_entries());
  add(out, "p2p_store_last_seq", "gauge", "local change sequence",
      db.last_seq());
  add(out, "p2p_store_map_bytes", "gauge", "LMDB map size",
      db.map_size());
  auto horizon = db.horizon();
  add(out, "p2p_tombstones", "gauge", "tombstones held (deletes not collected)",
      horizon.tombstones_held);
  add(out, "p2p_tombstones_collected_total", "counter",
      "tombstones removed past the TTL", horizon.collected);
  add(out, "p2p_tombstone_horizon_ms", "gauge",
      "wall-clock ms below which every tombstone is gone (0: none collected)",
      wall_ms_of(horizon.horizon));
  add(out, "p2p_updates_dropped_horizon_total", "counter",
      "updates older than the horizon for paths not held, dropped",
      horizon.dropped);
  add(out, "p2p_reconciles_served_total", "counter",
      "syncs answered with an inventory (the peer may hold collected deletes)",
      m.reconciles_served.load());
  add(out, "p2p_reconciles_total", "counter",
      "reconciliations with a peer finished here", m.reconciles_made.load());
  add(out, "p2p_reconcile_removed_total", "counter",
      "entries removed here as deleted and collected elsewhere",
      m.reconcile_removed.load());
  add(out, "p2p_updates_received_total", "counter",
      "updates received from peers", m.updates_received.load());
  add(out, "p2p_updates_applied_total", "counter",
      "peer updates that changed the store", m.updates_applied.load());
  add(out, "p2p_updates_forwarded_total", "counter",
      "update sends to peers", m.updates_forwarded.load());
  add(out, "p2p_duplicates_dropped_total", "counter",
      "peer updates already seen", m.duplicates_dropped.load());
  add(out, "p2p_schema_mismatches_total", "counter",
      "replicated or imported updates kept although a local schema refuses "
      "them",
      m.schema_mismatches.load());
  add(out, "p2p_queries_indexed_total", "counter",
      "field queries answered by an index", m.queries_indexed.load());
  add(out, "p2p_queries_scanned_total", "counter",
      "field queries answered by a scan", m.queries_scanned.load());
  add(out, "p2p_link_bytes_received_total", "counter",
      "peer-link frame bytes received", m.link_bytes_received.load());
  add(out, "p2p_link_bytes_sent_total", "counter",
      "peer-link frame bytes sent", m.link_bytes_sent.load());
  add(out, "p2p_sketch_syncs_total", "counter",
      "first syncs with a peer that sent only what it lacked",
      m.sketch_syncs.load());
  add(out, "p2p_sketch_fallbacks_total", "counter",
      "first syncs whose difference was too large for a sketch",
      m.sketch_fallbacks.load());
  add(out, "p2p_link_up_total", "counter", "links that came up",
      m.links_up.load());
  add(out, "p2p_link_down_total", "counter", "links that went down",
      m.links_down.load());
  add(out, "p2p_updates_refused_skew_total", "counter",
      "peer updates refused for a stamp more than 10 minutes ahead of this "
      "node's clock",
      m.updates_refused_skew.load());
  add(out, "p2p_updates_skipped_oversize_total", "counter",
      "records of this node too large for any frame, never sent",
      m.updates_skipped_oversize.load());
  add(out, "p2p_clock_offset_max_ms", "gauge",
      "largest clock difference, either way, between this node and a peer "
      "linked now (from their hellos)",
      m.clock_offset_max_ms.load());
  add(out, "p2p_announcements_sent_total", "counter",
      "update ids sent on lazy links instead of payloads (tree broadcast)",
      m.announcements_sent.load());
  add(out, "p2p_announcement_bytes_sent_total", "counter",
      "bytes of those ids in their frames",
      m.announcement_bytes_sent.load());
  add(out, "p2p_announcements_received_total", "counter",
      "update ids received on lazy links", m.announcements_received.load());
  add(out, "p2p_grafts_sent_total", "counter",
      "announced updates not received in time, asked for (GRAFT)",
      m.grafts_sent.load());
  add(out, "p2p_grafts_received_total", "counter",
      "updates peers asked this node for (GRAFT)", m.grafts_received.load());
  add(out, "p2p_prunes_sent_total", "counter",
      "links made lazy after a duplicate payload", m.prunes_sent.load());
  add(out, "p2p_prunes_received_total", "counter",
      "links peers made lazy", m.prunes_received.load());
  add(out, "p2p_overlay_joins_total", "counter",
      "links up seen by the overlay", m.overlay_joins.load());
  add(out, "p2p_overlay_dials_total", "counter",
      "dials of learned addresses", m.overlay_dials.load());
  add(out, "p2p_overlay_dial_failures_total", "counter",
      "dials of learned addresses that did not give a link",
      m.overlay_dial_failures.load());
  add(out, "p2p_shuffles_sent_total", "counter",
      "peer exchange messages sent", m.shuffles_sent.load());
  add(out, "p2p_shuffles_received_total", "counter",
      "peer exchange messages received", m.shuffles_received.load());
  add(out, "p2p_sheds_total", "counter",
      "links closed for being above --max-links", m.sheds.load());
  add(out, "p2p_overlay_passive", "gauge",
      "addresses in the passive view", m.passive_size.load());
  add(out, "p2p_overlay_active", "gauge", "links up in the active view",
      m.active_links.load());
  if (budget) {
    add(out, "p2p_sse_buffer_bytes", "gauge",
        "bytes of events held for /events readers, all streams together",
        budget->used());
    add(out, "p2p_sse_buffer_limit_bytes", "gauge",
        "the budget of p2p_sse_buffer_bytes (--sse-buffer-bytes)",
        budget->limit());
    add(out, "p2p_sse_streams_ended_total", "counter",
        "/events streams ended for holding the most when over the budget",
        budget->evictions());
  }
  return out;
}

} // namespace p2p
