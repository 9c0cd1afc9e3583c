// The facade around start() and close(): calls on a server not running
// fail with p2p_error (never a crash), close() races with calls on other
// threads, and callback subscriptions from many threads are kept safely
// and forgotten once ended.
#include "p2psync/server.hpp"
#include "node_helpers.hpp"
#include "test_dir.hpp"

#include <caf/all.hpp>
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

using namespace p2p;
using p2p::examples::wait_until;

namespace {

/// Every call that needs the node: each must throw p2p_error.
void check_every_call_refused(P2PServer& server) {
  CHECK_THROWS_AS(server.put("a", "1"), p2p_error);
  CHECK_THROWS_AS(server.get("a"), p2p_error);
  CHECK_THROWS_AS(server.del("a"), p2p_error);
  CHECK_THROWS_AS(server.subscribe("a", [](auto&, auto&) {}), p2p_error);
  CHECK_THROWS_AS(server.scan("a"), p2p_error);
  field_query q;
  q.prefix = "a/";
  q.field = "/x";
  CHECK_THROWS_AS(server.query(q), p2p_error);
  CHECK_THROWS_AS(server.create_index("a/", "/x"), p2p_error);
  CHECK_THROWS_AS(server.drop_index("a/", "/x"), p2p_error);
  CHECK_THROWS_AS(server.indexes(), p2p_error);
  CHECK_THROWS_AS(server.set_schema("a/", "{}"), p2p_error);
  CHECK_THROWS_AS(server.schemas(), p2p_error);
  CHECK_THROWS_AS(server.import_updates({{"a", "1", hlc_from_ms(1000), "aa"}}),
                  p2p_error);
  CHECK_THROWS_AS(server.export_entries("", [](const update&) {}), p2p_error);
  CHECK_THROWS_AS(server.block_links({}), p2p_error);
  // What answers without the node answers: nothing is there.
  CHECK(server.stats().entries == 0);
  CHECK(server.connected_peers() == 0);
  CHECK(server.peers_json() == "[]");
  CHECK(!server.node());
}

} // namespace

TEST_CASE("facade: every call before start() fails with p2p_error") {
  test_dir dir;
  P2PServer server(options_in(dir));
  check_every_call_refused(server);
  server.close(); // closing what never started is fine
  server.start(); // and it still starts
  server.put("a", "1");
  CHECK(server.get("a") == "1");
}

TEST_CASE("facade: every call after close() fails with p2p_error") {
  test_dir dir;
  P2PServer server(options_in(dir));
  server.start();
  server.put("a", "1");
  auto unsubscribe = server.subscribe("a", [](auto&, auto&) {});
  node_actor kept = server.node();
  server.close();
  check_every_call_refused(server);
  // A typed handle kept from before gets an error reply, not a hang.
  caf::scoped_actor self{server.system()};
  bool failed = false;
  self->request(kept, std::chrono::seconds(10), get_atom::value,
                std::string("a"))
    .receive([](const update&) {}, [&](caf::error&) { failed = true; });
  CHECK(failed);
  server.close(); // twice: nothing happens
  server.crash();
  unsubscribe(); // after close(): does nothing
}

TEST_CASE("facade: unsubscribing after the server is gone does nothing") {
  test_dir dir;
  unsubscribe_fn unsubscribe;
  {
    P2PServer server(options_in(dir));
    server.start();
    unsubscribe = server.subscribe("a", [](auto&, auto&) {});
  }
  unsubscribe();
}

TEST_CASE("facade: close() while other threads read and write") {
  test_dir dir;
  P2PServer server(options_in(dir));
  server.start();
  server.put("r/a", "1");
  std::atomic<int> refused{0};
  std::atomic<int> calls{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 3; ++t)
    callers.emplace_back([&, t] {
      // Until the server refuses: after close() every call must.
      for (;;) {
        try {
          ++calls;
          if (t == 0)
            server.get("r/a");
          else if (t == 1)
            server.scan("r/");
          else
            server.put("r/b", "2");
        } catch (const p2p_error&) {
          ++refused;
          return;
        }
      }
    });
  CHECK(wait_until([&] { return calls.load() > 30; }));
  server.close();
  for (auto& c : callers)
    c.join();
  CHECK(refused.load() == 3);
}

TEST_CASE("facade: subscribe and unsubscribe from several threads at once") {
  test_dir dir;
  P2PServer server(options_in(dir));
  server.start();
  constexpr int threads = 4, each = 40;
  std::atomic<int> heard{0};
  std::vector<std::thread> workers;
  std::vector<unsubscribe_fn> kept(threads);
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      for (int i = 0; i < each; ++i) {
        auto unsubscribe = server.subscribe(
          "c/" + std::to_string(t), [&](auto&, auto&) { ++heard; });
        if (i == each - 1)
          kept[t] = unsubscribe; // one each stays
        else
          unsubscribe();
        if (i % 2 == 0)
          unsubscribe(); // twice: nothing more happens
      }
    });
  for (auto& w : workers)
    w.join();
  // Ended subscriptions are forgotten at once, not kept until close().
  CHECK(server.stats().callback_subscriptions == threads);
  for (int t = 0; t < threads; ++t)
    server.put("c/" + std::to_string(t) + "/x", "1");
  CHECK(wait_until([&] { return heard.load() == threads; }));
  for (auto& unsubscribe : kept)
    unsubscribe();
  CHECK(server.stats().callback_subscriptions == 0);
}

TEST_CASE("facade: a callback that throws ends its subscription") {
  test_dir dir;
  P2PServer server(options_in(dir));
  server.start();
  auto unsubscribe = server.subscribe(
    "t", [](auto&, auto&) { throw std::runtime_error("callback failed"); });
  CHECK(server.stats().callback_subscriptions == 1);
  server.put("t/x", "1");
  CHECK(wait_until([&] { return server.stats().callback_subscriptions == 0; }));
  unsubscribe(); // already gone: nothing happens
  server.put("t/y", "2"); // the node keeps serving
  CHECK(server.get("t/y") == "2");
}

TEST_CASE("facade: a bad peer URL fails start() and nothing starts") {
  // As the launcher's --peer: refused where it is given, not found out
  // later inside /peers.
  for (std::string url : {"http://localhost", "http://::1:3101",
                          "ftp://localhost:1", "http://localhost:65536",
                          "http://a..b:1"}) {
    CAPTURE(url);
    test_dir dir;
    auto o = options_in(dir);
    o.peers = {url};
    P2PServer server(o);
    CHECK_THROWS_AS(server.start(), p2p_error);
    CHECK_THROWS_AS(server.get("a"), p2p_error); // not running
  }
}

TEST_CASE("facade: peer URLs are kept in their canonical form") {
  test_dir dir;
  auto o = options_in(dir);
  o.peers = {"HTTP://[::1]:1/"};
  P2PServer server(o);
  server.start();
  CHECK(wait_until([&] {
    return server.peers_json().find("http://[::1]:1") != std::string::npos;
  }));
}

TEST_CASE("facade: a seed named twice is dialled once") {
  test_dir dir;
  auto o = options_in(dir);
  o.peers = {"http://127.0.0.1:1", "http://127.0.0.1:1/", "HTTP://127.0.0.1:1"};
  P2PServer server(o);
  server.start();
  CHECK(wait_until([&] {
    return server.peers_json().find("127.0.0.1:1") != std::string::npos;
  }));
  auto json = server.peers_json(); // one outbound row
  auto first = json.find(R"("direction":"out")");
  CHECK(first != std::string::npos);
  CHECK(json.find(R"("direction":"out")", first + 1) == std::string::npos);
}

TEST_CASE("facade: a start() that fails on its settings leaves at once") {
  // The settings are applied once the store runs; failing there, start()
  // must let go of the db before it waits for the actors to release it.
  test_dir dir;
  auto o = options_in(dir);
  o.indexes = {{"a/", "not a pointer"}};
  P2PServer server(o);
  auto began = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(server.start(), p2p_error);
  // A hang check, not a speed test: the stall this guards against was 10 s.
  CHECK(std::chrono::steady_clock::now() - began < std::chrono::seconds(5));
  CHECK_THROWS_AS(server.get("a"), p2p_error); // not running
  o.indexes.clear();
  P2PServer again(o); // the db is free for the next start
  again.start();
  again.put("a/x", "1");
  CHECK(again.get("a/x") == "1");
}
