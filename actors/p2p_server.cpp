#include "p2psync/server.hpp"

#include "actors/p2p_server_impl.hpp"
#include "actors/metrics.hpp"
#include "protocol/path.hpp"
#include "storage/database.hpp"

#include <caf/all.hpp>

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
  if (p.db) {
    s.entries = p.db->live_entries();
    auto hz = p.db->horizon();
    s.tombstones = hz.tombstones_held;
    s.tombstones_collected = hz.collected;
    s.horizon = hz.horizon;
    s.dropped_by_horizon = hz.dropped;
  }
  if (p.callbacks)
    s.callback_subscriptions = p.callbacks->size();
  s.writes = d.metrics.writes.load();
  s.commits = d.metrics.commits.load();
  s.updates_sent = d.metrics.updates_forwarded.load();
  s.updates_received = d.metrics.updates_received.load();
  s.link_bytes_sent = d.metrics.link_bytes_sent.load();
  s.link_bytes_received = d.metrics.link_bytes_received.load();
  s.announcements_sent = d.metrics.announcements_sent.load();
  s.announcement_bytes_sent = d.metrics.announcement_bytes_sent.load();
  s.grafts_sent = d.metrics.grafts_sent.load();
  s.passive_size = d.metrics.passive_size.load();
  s.prunes_sent = d.metrics.prunes_sent.load();
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

node_actor P2PServer::node() const {
  return impl_->parts_or_none().router;
}

caf::actor_system& P2PServer::system() {
  return *impl_->system;
}

} // namespace p2p
