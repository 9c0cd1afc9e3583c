#pragma once
// The facade's insides, shared by its two source files (p2p_server.cpp:
// lifecycle and the seed's calls; p2p_server_data.cpp: queries, indexes,
// schemas, export and import).
#include "actors/callback_subscriptions.hpp"
#include "actors/collector_actor.hpp"
#include "actors/http/http_server.hpp"
#include "actors/link/link_table.hpp"
#include "actors/metrics.hpp"
#include "p2psync/server.hpp"
#include "actors/store_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

namespace p2p {

constexpr auto call_timeout = std::chrono::seconds(30);

/// What a call on a running server uses, taken under the lock so that
/// close() on another thread cannot pull it away mid-call (the db it holds
/// stays open until the call lets go).
struct running_parts {
  std::shared_ptr<database> db;
  router_actor router;
  std::shared_ptr<const node_hooks> hooks;
  std::shared_ptr<callback_subscriptions> callbacks;
};

struct P2PServer::impl {
  server_options options;
  std::unique_ptr<caf::actor_system_config> own_config;
  std::unique_ptr<caf::actor_system> own_system;
  caf::actor_system* system = nullptr;

  std::shared_ptr<database> db;
  node_metrics metrics;
  store_actor store;
  subscriptions_actor subscriptions;
  router_actor router;
  bridge_actor bridge;
  overlay_actor overlay; // null without peer exchange
  collector_actor collector; // null when tombstones are kept for ever
  std::vector<peer_actor> outbound_peers;
  std::shared_ptr<link_table> links = std::make_shared<link_table>();
  std::shared_ptr<callback_subscriptions> callbacks;
  std::vector<custom_route> routes;
  std::unique_ptr<http_server> http;
  std::string id;
  uint16_t port = 0;
  bool running = false;
  bool serving = false; // said "listening": says "stopped" too
  std::shared_ptr<const node_hooks> hooks = std::make_shared<node_hooks>();
  // start() and close() (and block_links, which uses what they tear down)
  // run one at a time; `parts_mtx` guards db, router, hooks and callbacks,
  // which every other call copies through parts().
  std::mutex lifecycle_mtx;
  mutable std::mutex parts_mtx;

  /// What a call needs; throws p2p_error before start() and after close().
  running_parts parts() const;
  /// The same, or empty ones (no throw) for the calls that answer anyway.
  running_parts parts_or_none() const;

  /// Creates the indexes and sets the schemas of the options.
  void apply_start_settings();

  /// Asks the router and waits for its reply (or its error).
  template <class T, class... Ts>
  caf::expected<T> ask_expected(Ts&&... xs) {
    auto router = parts().router;
    caf::scoped_actor self{*system};
    caf::expected<T> result{caf::error{}};
    self->request(router, call_timeout, std::forward<Ts>(xs)...)
      .receive([&](T& x) { result = std::move(x); },
               [&](caf::error& e) { result = std::move(e); });
    return result;
  }

  /// The same; throws p2p_error on error.
  template <class T, class... Ts>
  T ask(Ts&&... xs) {
    auto result = ask_expected<T>(std::forward<Ts>(xs)...);
    if (!result)
      throw p2p_error(error_message(result.error()));
    return std::move(*result);
  }

  /// The same for a reply of two values. No timeout: building an index
  /// takes as long as the data takes, and the store always answers.
  template <class T, class U, class... Ts>
  std::pair<T, U> ask2(Ts&&... xs) {
    auto router = parts().router;
    caf::scoped_actor self{*system};
    std::optional<std::pair<T, U>> result;
    caf::error err;
    self->request(router, caf::infinite, std::forward<Ts>(xs)...)
      .receive([&](T& x, U& y) { result.emplace(std::move(x), std::move(y)); },
               [&](caf::error& e) { err = std::move(e); });
    if (!result)
      throw p2p_error(error_message(err));
    return std::move(*result);
  }

  /// close() and crash(): stops serving, once.
  void shut_down(caf::exit_reason links_reason);
  /// The same with lifecycle_mtx held (start() failing halfway).
  void tear_down(caf::exit_reason links_reason);

  /// Sends an exit and waits until `who` is gone.
  template <class Handle>
  void stop_actor(Handle& who,
                  caf::exit_reason reason = caf::exit_reason::user_shutdown) {
    if (!who)
      return;
    caf::scoped_actor self{*system};
    self->monitor(who);
    self->send_exit(who, reason);
    self->receive([](caf::down_msg&) {},
                  caf::after(std::chrono::seconds(10)) >> [] {});
    who = nullptr;
  }
};

} // namespace p2p
