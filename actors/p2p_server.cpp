#include "actors/p2p_server.hpp"

#include "actors/p2p_server_impl.hpp"
#include "actors/link/bridge_actor.hpp"
#include "actors/link/peer_actor.hpp"
#include "actors/metrics.hpp"
#include "actors/store_actor.hpp"
#include "actors/stream_budget.hpp"
#include "protocol/path.hpp"
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

void P2PServer::start() {
  auto& d = *impl_;
  if (d.running)
    return;
  if (!d.options.id.empty() && !wire::is_hex_id(d.options.id))
    throw p2p_error("id must be 1 to 64 hex digits");
  try {
    d.db = std::make_shared<database>(d.options.db_path);
    if (!d.options.id.empty() && d.db->node_id() != d.options.id)
      d.db->set_node_id(d.options.id);
  } catch (const std::exception& e) {
    throw p2p_error("cannot open database at " + d.options.db_path + ": "
                    + e.what());
  }
  d.id = d.db->node_id();
  auto& sys = *d.system;
  d.store = sys.spawn<caf::detached>(store_impl, d.db, &d.metrics);
  auto sse_budget = std::make_shared<stream_budget>(d.options.sse_buffer_bytes);
  d.subscriptions = sys.spawn(subscriptions_impl, &d.metrics.subscribers,
                              sse_budget);
  auto hooks = std::make_shared<const node_hooks>(d.options.hooks);
  d.hooks = hooks;
  d.router = sys.spawn(router_impl, router_deps{d.db, d.store, d.subscriptions,
                                                &d.metrics, hooks});
  try {
    d.apply_start_settings();
  } catch (const p2p_error&) {
    d.running = true; // so close() tears down what started
    close();
    throw;
  }
  auto ctx = std::make_shared<api_context>();
  ctx->system = &sys;
  ctx->router = d.router;
  ctx->subscriptions = d.subscriptions;
  ctx->sse_budget = sse_budget;
  ctx->db = d.db;
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
    d.running = true; // so close() tears down what started
    close();
    throw p2p_error(e.what());
  }
  peer_deps peers;
  peers.db = d.db;
  peers.router = d.router;
  peers.table = d.links;
  peers.metrics = &d.metrics;
  peers.node_id = d.id;
  peers.epoch = d.db->epoch();
  d.bridge = sys.spawn(bridge_impl, peers, d.http->dialer(), d.options.secret);
  ctx->bridge = d.bridge;
  peers.bridge = d.bridge;
  d.http->start(d.options.io_threads);
  for (const auto& url : d.options.peers)
    d.outbound_peers.push_back(sys.spawn(outbound_peer_impl, peers, url));
  d.running = true;
}

update P2PServer::put(const std::string& path, const std::string& json) {
  return impl_->ask<update>(put_atom::value, path, json);
}

std::optional<std::string> P2PServer::get(const std::string& path) {
  if (auto err = path_error(path); !err.empty())
    throw p2p_error(err);
  auto u = read_live(*impl_->db, *impl_->hooks, path);
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
  auto who = d.system->spawn(call_back, std::move(callback));
  uint64_t id;
  try {
    id = d.ask<uint64_t>(subscribe_atom::value, prefix, who);
  } catch (...) {
    caf::anon_send_exit(who, caf::exit_reason::user_shutdown);
    throw;
  }
  d.callback_subscribers.push_back(who);
  auto router = d.router;
  return [router, id, who] {
    caf::anon_send(router, unsubscribe_atom::value, id);
    caf::anon_send_exit(who, caf::exit_reason::user_shutdown);
  };
}

std::vector<update> P2PServer::scan(const std::string& prefix,
                                    std::size_t limit) {
  if (auto err = prefix_error(prefix); !err.empty())
    throw p2p_error(err);
  return read_scan(*impl_->db, *impl_->hooks, prefix, limit);
}

void P2PServer::close() {
  impl_->shut_down(caf::exit_reason::user_shutdown);
}

void P2PServer::crash() {
  impl_->shut_down(caf::exit_reason::kill);
}

void P2PServer::impl::shut_down(caf::exit_reason links_reason) {
  auto& d = *this;
  if (!d.running)
    return;
  d.running = false;
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
  d.stop_actor(d.router);
  d.stop_actor(d.subscriptions);
  for (auto& who : d.callback_subscribers)
    caf::anon_send_exit(who, caf::exit_reason::user_shutdown);
  d.callback_subscribers.clear();
  d.http.reset();
  if (d.own_system)
    d.own_system->await_all_actors_done();
  // Actors that share the db (inbound peers) end asynchronously. LMDB must
  // not have one environment open twice in a process, so a restart in the
  // same process waits for them.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (d.db.use_count() > 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  d.db.reset();
}

void P2PServer::block_links(const std::vector<std::string>& node_ids) {
  auto& d = *impl_;
  if (!d.running)
    return;
  caf::anon_send(d.bridge, block_atom::value, node_ids);
  if (node_ids.empty())
    for (auto& p : d.outbound_peers)
      caf::anon_send(p, retry_atom::value);
}

node_stats P2PServer::stats() const {
  auto& d = *impl_;
  node_stats s;
  s.entries = d.db ? d.db->live_entries() : 0;
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
  return impl_->router;
}

caf::actor_system& P2PServer::system() {
  return *impl_->system;
}

} // namespace p2p
