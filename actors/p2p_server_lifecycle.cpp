// The facade's life: start (every actor, the HTTP server, the links),
// close (in order, committing what is pending) and crash (as unclean as one
// process allows, for the simulator).
#include "p2psync/server.hpp"

#include "actors/collector_actor.hpp"
#include "actors/link/bridge_actor.hpp"
#include "actors/link/link_log.hpp"
#include "actors/link/overlay_actor.hpp"
#include "actors/link/peer_actor.hpp"
#include "actors/link/start_up.hpp"
#include "actors/metrics.hpp"
#include "actors/p2p_server_impl.hpp"
#include "actors/store_actor.hpp"
#include "actors/stream_budget.hpp"
#include "p2psync/log.hpp"
#include "protocol/cors.hpp"
#include "protocol/peer_url.hpp"
#include "protocol/wire.hpp"
#include "storage/database.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <thread>
#include <utility>

namespace p2p {

namespace {

/// The advertised URL as given, checked and canonical (empty: none given).
std::string advertised_url(const server_options& o) {
  if (o.advertise.empty())
    return {};
  auto parsed = parse_peer_url(o.advertise);
  if (!parsed.url)
    throw p2p_error("bad advertised URL '" + o.advertise + "': "
                    + parsed.error);
  if (parsed.url->text().size() > wire::max_url_bytes)
    throw p2p_error("advertised URL longer than "
                    + std::to_string(wire::max_url_bytes)
                    + " bytes: peers would refuse our hello");
  return parsed.url->text();
}

/// What the node tells by default: where it listens, unless that is a
/// wildcard address, which no other node can dial.
std::string default_advertise(const server_options& o, uint16_t port) {
  if (o.host.empty() || o.host == "0.0.0.0" || o.host == "::"
      || o.host == "[::]")
    return {};
  auto parsed = parse_peer_url((o.tls_cert.empty() ? "http://" : "https://")
                               + host_port(o.host, port));
  if (!parsed.url || parsed.url->text().size() > wire::max_url_bytes)
    return {}; // peers would refuse a hello with it
  return parsed.url->text();
}

} // namespace

void P2PServer::start() {
  auto& d = *impl_;
  std::lock_guard<std::mutex> life(d.lifecycle_mtx);
  if (d.running)
    return;
  if (!d.options.id.empty() && !wire::is_hex_id(d.options.id))
    throw p2p_error("id must be 1 to 64 hex digits");
  // A peer link reads and writes every value without the bearer token, so
  // on a node with a token only links that prove the cluster secret may
  // exist: with no secret there are none.
  bool links_allowed = d.options.token.empty() || !d.options.secret.empty();
  if (!links_allowed && !d.options.peers.empty())
    throw p2p_error("peers on a node with a token need a cluster secret");
  // Checked here, as the launcher checks --peer, not found out later
  // inside /peers; dialled in the canonical form (IPv6 in brackets).
  // A seed named twice (http://h:1 and http://h:1/) is dialled once.
  std::vector<std::string> peer_urls;
  for (const auto& url : d.options.peers) {
    auto parsed = parse_peer_url(url);
    if (!parsed.url)
      throw p2p_error("bad peer URL '" + url + "': " + parsed.error);
    auto canonical = parsed.url->text();
    if (std::find(peer_urls.begin(), peer_urls.end(), canonical)
        == peer_urls.end())
      peer_urls.push_back(std::move(canonical));
  }
  auto advertise = advertised_url(d.options);
  if (auto err = cors_origins_error(d.options.cors_origins,
                                    !d.options.token.empty());
      !err.empty())
    throw p2p_error(err);
  if (d.options.max_links == 0 || d.options.min_links > d.options.max_links)
    throw p2p_error("links: need 0 <= min_links <= max_links and "
                    "max_links >= 1");
  std::shared_ptr<database> db;
  try {
    db = std::make_shared<database>(d.options.db_path);
    db->set_commit_observer(
      [m = &d.metrics](auto took) { m->commit_seconds.observe(took); });
    if (!d.options.id.empty() && db->node_id() != d.options.id)
      db->set_node_id(d.options.id);
  } catch (const std::exception& e) {
    throw p2p_error("cannot open database at " + d.options.db_path + ": "
                    + e.what());
  }
  d.id = db->node_id();
  auto& sys = *d.system;
  d.store = sys.spawn<caf::detached>(store_impl, db, &d.metrics);
  if (d.options.tombstone_ttl.count() > 0)
    d.collector = sys.spawn(collector_impl,
                            collector_deps{d.store, db, d.links,
                                           d.options.tombstone_ttl,
                                           !d.options.peers.empty()});
  auto sse_budget = std::make_shared<stream_budget>(d.options.sse_buffer_bytes);
  d.subscriptions = sys.spawn(subscriptions_impl, &d.metrics.subscribers,
                              sse_budget);
  auto hooks = std::make_shared<const node_hooks>(d.options.hooks);
  auto router = sys.spawn(router_impl, router_deps{db, d.store, d.subscriptions,
                                                   &d.metrics, hooks});
  {
    std::lock_guard<std::mutex> guard(d.parts_mtx);
    d.db = db;
    d.hooks = hooks;
    d.router = router;
    d.callbacks = std::make_shared<callback_subscriptions>(router);
  }
  d.running = true; // from here on, a failure tears down what started
  try {
    d.apply_start_settings();
  } catch (const p2p_error&) {
    db.reset(); // close() waits for the db to be released
    router = nullptr;
    d.tear_down(caf::exit_reason::user_shutdown);
    throw;
  }
  auto ctx = std::make_shared<api_context>();
  ctx->system = &sys;
  ctx->router = router;
  ctx->subscriptions = d.subscriptions;
  ctx->sse_budget = sse_budget;
  ctx->db = db;
  ctx->metrics = &d.metrics;
  ctx->node_id = d.id;
  ctx->limits.body_bytes = d.options.body_limit;
  ctx->limits.idle_timeout = d.options.idle_timeout;
  ctx->token = d.options.token;
  ctx->token_reads = d.options.token_reads;
  ctx->hooks = hooks;
  ctx->routes = std::make_shared<const std::vector<custom_route>>(d.routes);
  ctx->links = d.links;
  ctx->cors_origins = d.options.cors_origins;
  if (!peer_urls.empty())
    ctx->ready_json = [watch = std::make_shared<start_up_watch>(d.links,
                                                                peer_urls)] {
      auto report = watch->check();
      return std::make_pair(report.ready, std::move(report.json));
    };
  try {
    d.http = std::make_unique<http_server>(
      ctx, tls_files{d.options.tls_cert, d.options.tls_key, d.options.tls_ca});
    d.port = d.http->listen(d.options.host, d.options.port);
  } catch (const std::exception& e) {
    ctx.reset(); // it shares the db, which close() waits to be released
    db.reset();
    d.tear_down(caf::exit_reason::user_shutdown);
    throw p2p_error(e.what());
  }
  peer_deps peers;
  peers.db = db;
  peers.router = router;
  peers.table = d.links;
  peers.metrics = &d.metrics;
  peers.node_id = d.id;
  peers.epoch = db->epoch();
  peers.tree = d.options.broadcast_tree;
  peers.claims = std::make_shared<graft_claims>();
  peers.min_links = d.options.peer_exchange ? d.options.min_links : 0;
  // The port is known only now (it may have been 0).
  peers.advertise = advertise.empty() ? default_advertise(d.options, d.port)
                                      : advertise;
  d.bridge = sys.spawn(bridge_impl, peers, d.http->dialer(), d.options.secret);
  if (links_allowed)
    ctx->bridge = d.bridge; // else /p2p is refused (http_session)
  peers.bridge = d.bridge;
  if (d.options.peer_exchange) {
    overlay_config config;
    config.limits.min_links = d.options.min_links;
    config.limits.max_links = d.options.max_links;
    config.learn = !d.options.secret.empty();
    config.seeds = peer_urls;
    d.overlay = sys.spawn(overlay_impl, peers, config);
    peers.overlay = d.overlay;
    // Before the first link can open (the I/O threads start below).
    caf::anon_send(d.bridge, d.overlay);
  }
  d.http->start(d.options.io_threads);
  log::info("node", "listening",
            {{"scheme", d.options.tls_cert.empty() ? "http" : "https"},
             {"address", d.options.host},
             {"port", static_cast<unsigned>(d.port)},
             {"id", d.id}});
  d.serving = true;
  for (const auto& url : peer_urls)
    d.outbound_peers.push_back(sys.spawn(outbound_peer_impl, peers, url));
}

void P2PServer::close() {
  impl_->shut_down(caf::exit_reason::user_shutdown);
}

void P2PServer::crash() {
  // As unclean as one process allows: no reply leaves once I/O stops, the
  // store is killed with its pending batch uncommitted (kill skips its exit
  // handler), links drop without a close frame, and the db keeps its "open"
  // mark.
  auto& d = *impl_;
  if (!d.running)
    return;
  if (d.http)
    d.http->stop();
  d.stop_actor(d.store, caf::exit_reason::kill);
  d.stop_actor(d.router, caf::exit_reason::kill);
  d.db->close_as_if_killed();
  d.shut_down(caf::exit_reason::kill);
}

void P2PServer::impl::shut_down(caf::exit_reason links_reason) {
  std::lock_guard<std::mutex> life(lifecycle_mtx);
  tear_down(links_reason);
}

void P2PServer::impl::tear_down(caf::exit_reason links_reason) {
  auto& d = *this;
  if (!d.running)
    return;
  d.running = false;
  // A start() that fails halfway undoes it quietly: the caller says why.
  bool was_serving = std::exchange(d.serving, false);
  if (was_serving)
    log::info("node", "shutting down",
              {{"id", d.id},
               {"mode",
                links_reason == caf::exit_reason::kill ? "crash" : "clean"}});
  // Calls from here on fail with p2p_error; those under way hold what they
  // copied (the db stays open until they let go, waited for below).
  std::shared_ptr<database> db;
  router_actor router;
  std::shared_ptr<callback_subscriptions> callbacks;
  {
    std::lock_guard<std::mutex> guard(d.parts_mtx);
    db = std::move(d.db);
    router = std::move(d.router);
    callbacks = std::move(d.callbacks);
    d.db = nullptr;
    d.router = nullptr;
  }
  callbacks->close();
  // With `kill` the bridge cannot say goodbye: its links just drop when
  // the I/O context goes away below.
  d.stop_actor(d.overlay, links_reason);
  for (auto& p : d.outbound_peers)
    d.stop_actor(p, links_reason);
  d.outbound_peers.clear();
  d.stop_actor(d.bridge, links_reason);
  if (d.http)
    d.http->stop();
  d.stop_actor(d.collector);
  // The store first: it commits what is queued and answers the router.
  d.stop_actor(d.store);
  d.stop_actor(router);
  d.stop_actor(d.subscriptions);
  d.http.reset();
  if (d.own_system)
    d.own_system->await_all_actors_done();
  // Actors that share the db (inbound peers) end asynchronously. LMDB must
  // not have one environment open twice in a process, so a restart in the
  // same process waits for them.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (db.use_count() > 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  if (was_serving) {
    link_log::report_held();
    log::info("node", "stopped", {{"id", d.id}});
  }
}

} // namespace p2p
