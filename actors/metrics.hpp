#pragma once
// Counters shared by the actors and the HTTP sessions, read by /metrics.
// Plain atomics: bumping one is cheaper than a message.
#include <atomic>
#include <cstdint>
#include <string>

namespace p2p {

class database;
class stream_budget;

struct node_metrics {
  std::atomic<uint64_t> http_requests{0};
  std::atomic<uint64_t> http_errors{0};     // 4xx and 5xx answers
  std::atomic<uint64_t> writes{0};          // local writes and deletes applied
  std::atomic<uint64_t> commits{0};         // store transactions
  std::atomic<int64_t> subscribers{0};
  std::atomic<int64_t> sse_clients{0};
  std::atomic<uint64_t> updates_received{0};
  std::atomic<uint64_t> updates_applied{0};
  std::atomic<uint64_t> updates_forwarded{0};
  std::atomic<uint64_t> duplicates_dropped{0};
  std::atomic<uint64_t> link_bytes_received{0}; // frame payload bytes
  std::atomic<uint64_t> link_bytes_sent{0};
  std::atomic<uint64_t> sketch_syncs{0};     // first syncs by sketch
  std::atomic<uint64_t> sketch_fallbacks{0}; // difference too large
  std::atomic<uint64_t> links_up{0};
  std::atomic<uint64_t> links_down{0};
  // Peer updates left out for a stamp more than 10 minutes ahead of ours.
  std::atomic<uint64_t> updates_refused_skew{0};
  // Records of ours too large for any frame, never sent (defect of an older
  // version's limits; logged with their path).
  std::atomic<uint64_t> updates_skipped_oversize{0};
  // The largest offset, either way, between a peer's clock and ours.
  std::atomic<uint64_t> clock_offset_max_ms{0};
  // Updates from peers or imports stored although they break a local schema.
  std::atomic<uint64_t> schema_mismatches{0};
  // Tree broadcast: ids announced on lazy links (and their frames' bytes),
  // grafts and prunes both ways, graft answers' payloads.
  std::atomic<uint64_t> announcements_sent{0};
  std::atomic<uint64_t> announcement_bytes_sent{0};
  std::atomic<uint64_t> announcements_received{0};
  std::atomic<uint64_t> grafts_sent{0};     // ids asked for
  std::atomic<uint64_t> grafts_received{0}; // ids asked of us
  std::atomic<uint64_t> prunes_sent{0};
  std::atomic<uint64_t> prunes_received{0};
  // The overlay: links up it saw, its own dials (and failures), peer
  // exchange messages both ways, links shed, addresses known.
  std::atomic<uint64_t> overlay_joins{0};
  std::atomic<uint64_t> overlay_dials{0};
  std::atomic<uint64_t> overlay_dial_failures{0};
  std::atomic<uint64_t> shuffles_sent{0};
  std::atomic<uint64_t> shuffles_received{0};
  std::atomic<uint64_t> sheds{0};
  std::atomic<uint64_t> passive_size{0};
  std::atomic<uint64_t> active_links{0};
  // Tombstone collection: reconciliations served to peers (one per sync
  // that needed one) and made with peers, entries removed by them here.
  std::atomic<uint64_t> reconciles_served{0};
  std::atomic<uint64_t> reconciles_made{0};
  std::atomic<uint64_t> reconcile_removed{0};
  std::atomic<uint64_t> queries_indexed{0};
  std::atomic<uint64_t> queries_scanned{0};
};

/// Prometheus text exposition of `m` plus the store's figures.
/// `budget` (the event streams' shared memory) may be null.
std::string render_metrics(const node_metrics& m, const database& db,
                           const stream_budget* budget);

} // namespace p2p
