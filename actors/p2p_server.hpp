#pragma once
// p2psync's embedding API: the seed's P2PServer in C++ terms, and the typed
// actor handles for CAF applications. This header (and what it includes)
// carries nothing of Beast or LMDB.
//
//   p2p::server_options opts;
//   opts.port = 3001;
//   opts.db_path = "./db1";
//   p2p::P2PServer server(opts);
//   server.start();
//   server.put("users/alice", R"({"name":"Alice"})");
//   auto value = server.get("users/alice");      // optional JSON text
//   auto unsubscribe = server.subscribe("users", [](auto& value, auto& path) {});
//
// The blocking methods wait on an actor's reply: call them from ordinary
// threads, never from inside an actor or an HTTP route handler.
#include "actors/router_actor.hpp"
#include "actors/subscriptions_actor.hpp"
#include "actors/web_types.hpp"
#include "protocol/limits.hpp"
#include "protocol/update.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace caf {
class actor_system;
}

namespace p2p {

struct server_options {
  std::string host = "127.0.0.1";
  uint16_t port = 3000; // 0 picks a free port
  std::string db_path = "./p2p-data";
  std::vector<std::string> peers; // http://host:port; start() refuses a bad one
  std::string id;                 // empty: made once and kept in the db
  int io_threads = 2;
  /// Values are held to max_value_bytes as stored, whatever this says.
  std::size_t body_limit = max_body_bytes;
  std::chrono::milliseconds idle_timeout{30000};
  /// What SSE streams may hold for slow readers, all together; past it the
  /// stream holding the most is ended (its client resumes with
  /// Last-Event-ID). Keep it well above the largest event (body_limit).
  std::size_t sse_buffer_bytes = std::size_t{64} << 20;
  /// Cluster secret: peers must prove they know it (HMAC challenge-response
  /// on the handshake). Empty: links are open, as in the seed.
  std::string secret;
  /// Bearer token for PUT and DELETE (and every read but /health when
  /// token_reads). Empty: no token needed. A peer link carries no token, so
  /// with a token and no secret /p2p answers 403 and `peers` must be empty
  /// (start throws).
  std::string token;
  bool token_reads = false;
  /// TLS: with a certificate and key the port speaks HTTPS and WSS; `tls_ca`
  /// adds certificates to trust for https:// peers.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  /// The overlay (peer exchange): this node's URL for other nodes, told in
  /// its hello (empty: http(s)://host:port when `host` is not a wildcard
  /// address; none otherwise). With a cluster secret, nodes learn each
  /// other's URLs over their links and keep between min_links and
  /// max_links links; `peers` stay seeds, re-dialled for good.
  std::string advertise;
  bool peer_exchange = true;
  std::size_t min_links = 3;
  std::size_t max_links = 8;
  /// Tree broadcast (Plumtree) with peers that speak it; false floods every
  /// update on every link, as before.
  bool broadcast_tree = true;
  /// Tombstones older than this are collected (0: kept for ever). Nodes
  /// must exchange every delete within it: a node away for longer
  /// reconciles with its peers when it comes back (README, "Deletes").
  std::chrono::milliseconds tombstone_ttl{std::chrono::hours(24 * 7)};
  /// The application's write and read hooks (hooks.hpp).
  node_hooks hooks;
  /// Field indexes to have, as (prefix, JSON pointer): created and built
  /// at start when missing. Indexes made earlier are kept.
  std::vector<std::pair<std::string, std::string>> indexes;
  /// Schemas to set at start, as (prefix, JSON Schema text).
  std::vector<std::pair<std::string, std::string>> schemas;  /// CORS origins (README): web pages from these may call the API ("*":
  /// any page; the launcher refuses it together with a token).
  std::vector<std::string> cors_origins;
};

/// Counters of one node, for simulations and tests (as in /metrics).
struct node_stats {
  uint64_t entries = 0;           // live entries in the store
  uint64_t writes = 0;            // local writes applied
  uint64_t commits = 0;           // store transactions
  uint64_t updates_sent = 0;      // updates streamed to peers
  uint64_t updates_received = 0;  // updates received from peers
  uint64_t link_bytes_sent = 0;
  uint64_t link_bytes_received = 0;
  // Tree broadcast: ids sent on lazy links instead of payloads, and the
  // bytes of their frames (in link_bytes_sent too).
  uint64_t announcements_sent = 0;
  uint64_t announcement_bytes_sent = 0;
  uint64_t passive_size = 0; // addresses the overlay knows (not linked)
  uint64_t grafts_sent = 0; // ids asked for after an announcement
  uint64_t prunes_sent = 0;
  uint64_t callback_subscriptions = 0; // subscribe() callbacks still kept
  // Tombstone collection: held now, collected ever, the horizon (a stamp:
  // every tombstone below it is gone), updates dropped by it.
  uint64_t tombstones = 0;
  uint64_t tombstones_collected = 0;
  uint64_t horizon = 0;
  uint64_t dropped_by_horizon = 0;
};

/// Thrown by the blocking methods for a bad path or value, or a failure,
/// and by every call that needs the node (put, get, del, subscribe, scan,
/// query, the index, schema, import and export calls, block_links) before
/// start() or after close().
class p2p_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Ends a subscription when called, as the seed's unsubscribe function.
using unsubscribe_fn = std::function<void()>;

class P2PServer {
public:
  /// Runs its own actor system.
  explicit P2PServer(server_options options);
  /// Joins an actor system the application owns (which must outlive it).
  P2PServer(caf::actor_system& system, server_options options);
  ~P2PServer(); // close()
  P2PServer(const P2PServer&) = delete;
  P2PServer& operator=(const P2PServer&) = delete;

  /// Opens the db, spawns the actors, binds and serves. Throws p2p_error
  /// (for instance when the port is taken or the db cannot be opened).
  void start();

  /// Stores `json` (any JSON value, as text) at `path`; returns the update
  /// (path, value, timestamp via wall_ms_of(time), origin) once durable.
  update put(const std::string& path, const std::string& json);
  /// The stored value as JSON text; nothing when absent or deleted.
  std::optional<std::string> get(const std::string& path);
  /// Writes a tombstone; false when there was nothing to delete.
  bool del(const std::string& path);
  /// Calls `callback(value, path)` for every change at or below `prefix`
  /// (value is JSON text, "null" for a delete), on an actor thread. Any
  /// thread may subscribe and unsubscribe; a callback that throws ends its
  /// subscription.
  unsubscribe_fn subscribe(
    const std::string& prefix,
    std::function<void(const std::string& value, const std::string& path)>
      callback);
  /// Live entries whose path starts with `prefix`, in path order.
  std::vector<update> scan(const std::string& prefix, std::size_t limit = 0);

  /// A page of the entries under q.prefix whose field matches, by index
  /// when one covers it (protocol/query.hpp).
  query_result query(const field_query& q);
  /// Creates the index and builds it from the data there; returns the
  /// index and how many entries it was built with (0: it existed).
  std::pair<index_def, uint64_t> create_index(const std::string& prefix,
                                              const std::string& field);
  bool drop_index(const std::string& prefix, const std::string& field);
  std::vector<index_def> indexes() const;
  /// Local writes under `prefix` must satisfy `schema_json` (a JSON Schema
  /// subset, protocol/schema.hpp); an empty text removes it.
  void set_schema(const std::string& prefix, const std::string& schema_json);
  /// (prefix, schema text) pairs.
  std::vector<std::pair<std::string, std::string>> schemas() const;
  /// Merges updates that keep their stamps and origins (a backup) through
  /// last-write-wins; returns how many changed the store.
  uint64_t import_updates(std::vector<update> updates);
  /// Calls `out` with every entry under `prefix` in path order (tombstones
  /// too when asked), a page at a time.
  void export_entries(const std::string& prefix,
                      const std::function<void(const update&)>& out,
                      bool with_tombstones = false) const;
  /// Stops serving, closes the links and the db. Idempotent; calls under
  /// way on other threads finish (or fail with p2p_error), later ones
  /// throw p2p_error. Unsubscribe functions then do nothing.
  void close();
  /// For simulations: ends the node as abruptly as one process can, as if
  /// killed. No reply leaves, links are cut without a WebSocket close, the
  /// store's uncommitted batch is dropped, and the next start sees an
  /// unclean shutdown (new epoch). What was acknowledged is on disk.
  void crash();

  /// Refuses links to these node ids and cuts those up (a partition); an
  /// empty list lifts it, and outbound links retry at once.
  void block_links(const std::vector<std::string>& node_ids);

  node_stats stats() const;

  /// A custom HTTP route (as the seed's `app`); add before start(). A path
  /// ending in '/' matches as a prefix. Built-in routes take precedence.
  void route(const std::string& method, const std::string& path,
             route_handler handler);

  /// Peer links whose handshake is done.
  std::size_t connected_peers() const;
  /// The links as GET /peers shows them (JSON array).
  std::string peers_json() const;

  const std::string& server_id() const;
  uint16_t port() const;
  /// "http" or "https".
  const char* scheme() const;
  const std::string& db_path() const;

  /// For CAF applications: the node's typed interface (a null handle
  /// before start() and after close()).
  router_actor router() const;
  caf::actor_system& system();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace p2p
