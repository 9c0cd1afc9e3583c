#pragma once
// Counters shared by the actors and the HTTP sessions, read by /metrics.
// Plain atomics: bumping one is cheaper than a message. The exposition
// (Prometheus text) is in metrics_text.cpp.
#include "actors/histogram.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace p2p {

class database;
class link_table;
class stream_budget;

/// The `route` label of the HTTP metrics: a fixed set of route templates,
/// never the raw path, so the series are bounded.
enum class http_route : uint8_t {
  health,    // /health
  metrics,   // /metrics
  peers,     // /peers
  passive,   // /peers/passive
  data,      // /api/<path>
  scan,      // /api/scan/<prefix>
  events,    // /events/<prefix>
  query,     // /query/<prefix>
  indexes,   // /indexes
  schemas,   // /schemas, /schemas/<prefix>
  import,    // /import
  export_,   // /export
  link,      // /p2p (the peer link's upgrade)
  ready,     // /ready
  console,   // / (the console page)
  custom,    // the application's own routes
  other,     // anything else, and requests too malformed to route
  count_
};
constexpr std::size_t http_route_count = static_cast<std::size_t>(
  http_route::count_);
const char* route_label(http_route r);

/// Requests by route and status, and the latency of those answered in one
/// response (streams, /events, /export and the /p2p upgrade, are counted
/// but not timed: how long they last says nothing about the server).
struct http_metrics {
  static constexpr unsigned min_code = 100, max_code = 599;

  http_metrics();
  void count(http_route r, unsigned code) {
    if (code < min_code || code > max_code)
      code = 500;
    by_code[index(r)][code - min_code].fetch_add(1, std::memory_order_relaxed);
  }
  void record(http_route r, unsigned code, std::chrono::nanoseconds took) {
    count(r, code);
    latency[index(r)].observe(took);
  }

  std::array<std::array<std::atomic<uint64_t>, max_code - min_code + 1>,
             http_route_count>
    by_code{};
  std::array<histogram, http_route_count> latency;

private:
  static std::size_t index(http_route r) {
    return static_cast<std::size_t>(r);
  }
};

struct node_metrics {
  http_metrics http;
  std::atomic<uint64_t> writes{0};          // local writes and deletes applied
  std::atomic<uint64_t> commits{0};         // store transactions
  // Every LMDB write transaction's commit (the fsync), store's or not.
  histogram commit_seconds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                           0.1, 0.25, 0.5, 1, 2.5, 5};
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
  std::atomic<uint64_t> queries_indexed{0}; // p2p_queries_total{plan=index}
  std::atomic<uint64_t> queries_scanned{0}; // p2p_queries_total{plan=scan}
};

/// Prometheus text exposition of `m` plus the store's figures, the links'
/// gauges and the process's. `budget` (the event streams' shared memory)
/// and `links` may be null.
std::string render_metrics(const node_metrics& m, const database& db,
                           const stream_budget* budget,
                           const link_table* links = nullptr);

} // namespace p2p
