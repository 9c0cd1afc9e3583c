// The bridge's link table with a stand-in WebSocket and stand-in peer
// actors: a link never outlives its peer actor, and shutdown says goodbye.
#include "actors/link/bridge_actor.hpp"
#include "actors/link/ws_link.hpp"
#include "actors/metrics.hpp"

#include <caf/all.hpp>
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace p2p;

namespace {

/// Records what the bridge asks of the link.
struct fake_link : ws_link {
  std::atomic<int> sends{0};
  std::atomic<int> closes{0};
  std::atomic<int> code{0};
  void send(std::string) override {
    ++sends;
  }
  void close(std::string, close_code c) override {
    code = static_cast<int>(c);
    ++closes;
  }
};

peer_actor::behavior_type idle_peer() {
  return {
    [](link_open_atom, uint64_t) {},
    [](link_down_atom, uint64_t, std::string&) {},
    [](wire::hello&) {},
    [](wire::sync&) {},
    [](wire::changes&) {},
    [](wire::ack&) {},
    [](wire::error&) {},
    [](wire::graft&) {},
    [](wire::prune&) {},
    [](wire::payload&) {},
    [](wire::peers&) {},
    [](wire::shed&) {},
    [](wire::reconcile&) {},
    [](wire::reconciled&) {},
    [](wire::horizon&) {},
    [](log_atom) {},
    [](hello_deadline_atom, uint64_t) {},
    [](graft_check_atom) {},
    [](retry_atom) {},
  };
}

template <class Pred>
bool wait_until(Pred pred) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

struct bridge_fixture {
  node_metrics metrics; // outlives the actor system, which waits for actors
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  bridge_actor bridge;

  bridge_fixture() {
    peer_deps deps;
    deps.metrics = &metrics;
    deps.table = std::make_shared<link_table>();
    deps.node_id = "aa";
    deps.epoch = "ee";
    bridge = sys.spawn(bridge_impl, deps,
                       link_dialer([](uint64_t, const std::string&,
                                      const bridge_actor&) {}),
                       std::string());
  }

  /// An outbound link as the bridge sees it once dialled and open.
  std::shared_ptr<fake_link> open_link(uint64_t id, const peer_actor& peer) {
    auto link = std::make_shared<fake_link>();
    caf::anon_send(bridge, dial_atom::value, id, std::string("http://x:1"),
                   peer);
    caf::anon_send(bridge, link_open_atom::value, id,
                   ws_link_ref{nullptr, link}, std::string("out"),
                   std::string("x:1"));
    REQUIRE(wait_until([&] { return link->sends > 0; })); // our hello
    return link;
  }
};

} // namespace

TEST_CASE("bridge: a link whose peer actor dies is closed and dropped") {
  bridge_fixture f;
  auto peer = f.sys.spawn(idle_peer);
  auto link = f.open_link(7, peer);
  caf::anon_send_exit(peer, caf::exit_reason::kill);
  CHECK(wait_until([&] { return link->closes > 0; }));
  CHECK(link->code == 1001);
  caf::anon_send_exit(f.bridge, caf::exit_reason::user_shutdown);
}

TEST_CASE("bridge: shutdown closes links with 1001 and ends in bounded time") {
  bridge_fixture f;
  auto peer = f.sys.spawn(idle_peer);
  auto link = f.open_link(8, peer);
  caf::scoped_actor self{f.sys};
  self->monitor(f.bridge);
  auto start = std::chrono::steady_clock::now();
  self->send_exit(f.bridge, caf::exit_reason::user_shutdown);
  bool ended = false;
  // The stand-in link never reports its close done: the bridge waits a
  // little for it, then ends anyway.
  self->receive([&](caf::down_msg&) { ended = true; },
                caf::after(std::chrono::seconds(30)) >> [] {});
  CHECK(ended);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(30));
  CHECK(link->closes == 1);
  CHECK(link->code == 1001);
  caf::anon_send_exit(peer, caf::exit_reason::kill);
}
