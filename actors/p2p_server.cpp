#include "actors/p2p_server.hpp"

#include "actors/p2p_server_impl.hpp"
#include "actors/link/bridge_actor.hpp"
#include "actors/link/peer_actor.hpp"
#include "actors/metrics.hpp"
#include "actors/store_actor.hpp"
#include "actors/stream_budget.hpp"
#include "protocol/path.hpp"
#include "protocol/peer_url.hpp"
#include "protocol/wire.hpp"
#include "storage/database.hpp"

#include <caf/all.hpp>

#include <thread>

namespace p2p {

namespace {

subscriber_actor::behavior_type call_back(
  subscriber_actor::pointer,
  std::function<void(const std::string&, const std::string&)> callback) {
  return {
    [callback](const change& c) { callback(c.u.value, c.u.path); },
  };
}

} // namespace

P2PServer::P2PServer(server_options options) : impl_(std::make_unique<impl>()) {
  impl_->options = std::move(options);
  impl_->own_config = std::make_unique<caf::actor_system_config>();
  impl_->own_config->set("scheduler.max-threads", 2);
  // Sharing: idle workers wait on a condition variable instead of polling
  // (work stealing polls and sleeps), which costs less on a 2-core box.
  impl_->own_config->set("scheduler.policy", caf::atom("sharing"));
  impl_->own_system = std::make_unique<caf::actor_system>(*impl_->own_config);
  impl_->system = impl_->own_system.get();
}

P2PServer::P2PServer(caf::actor_system& system, server_options options)
  : impl_(std::make_unique<impl>()) {
  impl_->options = std::move(options);
  impl_->system = &system;
}

P2PServer::~P2PServer() {
  close();
}

running_parts P2PServer::impl::parts_or_none() const {
  std::lock_guard<std::mutex> guard(parts_mtx);
  return {db, router, hooks, callbacks};
}

running_parts P2PServer::impl::parts() const {
  auto p = parts_or_none();
  if (!p.db || !p.router)
    throw p2p_error("the server is not running (not started, or closed)");
  return p;
}

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
  std::vector<std::string> peer_urls;
  for (const auto& url : d.options.peers) {
    auto parsed = parse_peer_url(url);
    if (!parsed.url)
      throw p2p_error("bad peer URL '" + url + "': " + parsed.error);
    peer_urls.push_back(parsed.url->text());
  }
  std::shared_ptr<database> db;
  try {
    db = std::make_shared<database>(d.options.db_path);
    if (!d.options.id.empty() && db->node_id() != d.options.id)
      db->set_node_id(d.options.id);
  } catch (const std::exception& e) {
    throw p2p_error("cannot open database at " + d.options.db_path + ": "
                    + e.what());
  }
  d.id = db->node_id();
  auto& sys = *d.system;
  d.store = sys.spawn<caf::detached>(store_impl, db, &d.metrics);
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
  ctx->peers_json = [links = d.links] { return links->to_json(); };
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
  d.bridge = sys.spawn(bridge_impl, peers, d.http->dialer(), d.options.secret);
  if (links_allowed)
    ctx->bridge = d.bridge; // else /p2p is refused (http_session)
  peers.bridge = d.bridge;
  d.http->start(d.options.io_threads);
  for (const auto& url : peer_urls)
    d.outbound_peers.push_back(sys.spawn(outbound_peer_impl, peers, url));
}

update P2PServer::put(const std::string& path, const std::string& json) {
  return impl_->ask<update>(put_atom::value, path, json);
}

std::optional<std::string> P2PServer::get(const std::string& path) {
  auto p = impl_->parts();
  if (auto err = path_error(path); !err.empty())
    throw p2p_error(err);
  auto u = read_live(*p.db, *p.hooks, path);
  if (!u)
    return std::nullopt;
  return std::move(u->value);
}

bool P2PServer::del(const std::string& path) {
  auto result = impl_->ask_expected<update>(delete_atom::value, path);
  if (result)
    return true;
  if (is_error(result.error(), p2p_errc::not_found))
    return false;
  throw p2p_error(error_message(result.error()));
}

unsubscribe_fn P2PServer::subscribe(
  const std::string& prefix,
  std::function<void(const std::string&, const std::string&)> callback) {
  auto& d = *impl_;
  auto callbacks = d.parts().callbacks;
  auto who = d.system->spawn(call_back, std::move(callback));
  uint64_t id;
  try {
    id = d.ask<uint64_t>(subscribe_atom::value, prefix, who);
  } catch (...) {
    caf::anon_send_exit(who, caf::exit_reason::user_shutdown);
    throw;
  }
  if (!callbacks->add(id, who)) { // closed meanwhile
    caf::anon_send_exit(who, caf::exit_reason::user_shutdown);
    throw p2p_error("the server is not running (not started, or closed)");
  }
  // A callback that throws ends its actor: forget it then, too. Attached
  // after add(), as it runs at once when the actor has already ended.
  who->attach_functor([weak = std::weak_ptr<callback_subscriptions>(callbacks),
                       id] {
    if (auto alive = weak.lock())
      alive->forget(id);
  });
  // Holds no actor handle: calling it after close() (or after the server
  // is gone) does nothing.
  return [callbacks, id] { callbacks->cancel(id); };
}

std::vector<update> P2PServer::scan(const std::string& prefix,
                                    std::size_t limit) {
  auto p = impl_->parts();
  if (auto err = prefix_error(prefix); !err.empty())
    throw p2p_error(err);
  return read_scan(*p.db, *p.hooks, prefix, limit);
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
  for (auto& p : d.outbound_peers)
    d.stop_actor(p, links_reason);
  d.outbound_peers.clear();
  d.stop_actor(d.bridge, links_reason);
  if (d.http)
    d.http->stop();
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
}

void P2PServer::block_links(const std::vector<std::string>& node_ids) {
  auto& d = *impl_;
  std::lock_guard<std::mutex> life(d.lifecycle_mtx);
  if (!d.running)
    throw p2p_error("the server is not running (not started, or closed)");
  caf::anon_send(d.bridge, block_atom::value, node_ids);
  if (node_ids.empty())
    for (auto& p : d.outbound_peers)
      caf::anon_send(p, retry_atom::value);
}

node_stats P2PServer::stats() const {
  auto& d = *impl_;
  node_stats s;
  auto p = d.parts_or_none();
  if (p.db)
    s.entries = p.db->live_entries();
  if (p.callbacks)
    s.callback_subscriptions = p.callbacks->size();
  s.writes = d.metrics.writes.load();
  s.commits = d.metrics.commits.load();
  s.updates_sent = d.metrics.updates_forwarded.load();
  s.updates_received = d.metrics.updates_received.load();
  s.link_bytes_sent = d.metrics.link_bytes_sent.load();
  s.link_bytes_received = d.metrics.link_bytes_received.load();
  return s;
}

void P2PServer::route(const std::string& method, const std::string& path,
                      route_handler handler) {
  impl_->routes.push_back({method, path, std::move(handler)});
}

std::size_t P2PServer::connected_peers() const {
  return impl_->links->count_up();
}

std::string P2PServer::peers_json() const {
  return impl_->links->to_json();
}

const std::string& P2PServer::server_id() const {
  return impl_->id;
}

const char* P2PServer::scheme() const {
  return impl_->options.tls_cert.empty() ? "http" : "https";
}

uint16_t P2PServer::port() const {
  return impl_->port;
}

const std::string& P2PServer::db_path() const {
  return impl_->options.db_path;
}

router_actor P2PServer::router() const {
  return impl_->parts_or_none().router;
}

caf::actor_system& P2PServer::system() {
  return *impl_->system;
}

} // namespace p2p
