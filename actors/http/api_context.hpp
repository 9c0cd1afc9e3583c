#pragma once
// What the HTTP layer needs from the node: the actors to ask, the database
// to read directly, counters, limits and the application's own routes.
#include "actors/link/link_types.hpp"
#include "actors/router_actor.hpp"
#include "p2psync/web_types.hpp"
#include "p2psync/limits.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace caf {
class actor_system;
}

namespace p2p {

class database;
class link_table;
class stream_budget;
struct node_metrics;

struct http_limits {
  std::size_t body_bytes = max_body_bytes;        // 413 above
  std::size_t header_bytes = 16 * 1024;          // 431 above
  std::chrono::milliseconds idle_timeout{30000}; // silent client closed
  std::size_t sse_queue_bytes = 8 << 20;         // slow SSE client closed
  // All SSE streams together: stream_budget, sized by server_options.
  // Exports at once (503 above): each holds a page, up to about 5 MiB, as
  // long as its reader takes to read it. An export cannot resume where it
  // was cut, so one too many is refused at the start instead.
  int exports = 8;
};

struct custom_route {
  std::string method; // "GET", "POST", ...
  std::string path;   // exact path, or a prefix when it ends in '/'
  route_handler handler;
};

/// True when `path` is the route's path, or under it for a prefix route.
inline bool custom_route_matches(const custom_route& r, std::string_view path) {
  if (!r.path.empty() && r.path.back() == '/')
    return path.compare(0, r.path.size(), r.path) == 0;
  return path == r.path;
}

struct api_context {
  caf::actor_system* system = nullptr;
  router_actor router;
  subscriptions_actor subscriptions; // SSE subscribes here (shared events)
  std::shared_ptr<stream_budget> sse_budget; // what SSE streams hold
  std::shared_ptr<std::atomic<int>> exports_running =
    std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<database> db;
  node_metrics* metrics = nullptr;
  std::string node_id;
  http_limits limits;
  std::string token;        // bearer token for writes; empty: none
  bool token_reads = false; // the token is needed for reads too
  std::shared_ptr<const std::vector<custom_route>> routes;
  std::shared_ptr<const node_hooks> hooks; // never null once serving
  /// Takes accepted /p2p links; empty until the bridge runs.
  bridge_actor bridge;
  /// GET /ready: whether start-up catch-up is done, and the JSON to say
  /// (start_up.hpp); empty: ready (no seeds).
  std::function<std::pair<bool, std::string>()> ready_json;
  /// Origins whose pages may read the answers (CORS, cors.hpp); `*` any.
  std::vector<std::string> cors_origins;
  /// The links: GET /peers, /peers/passive, per-link gauges of /metrics.
  std::shared_ptr<const link_table> links;
};

} // namespace p2p
