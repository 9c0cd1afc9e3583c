// The node's actors through the C++ facade and the typed handles, on a real
// LMDB in a temp dir and a real (unused) listening socket.
#include "p2psync/server.hpp"
#include "node_helpers.hpp"
#include "test_dir.hpp"

#include <caf/all.hpp>
#include <doctest/doctest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

using namespace p2p;

namespace {

/// Collects callback notifications and lets a test wait for them.
struct inbox {
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<std::pair<std::string, std::string>> got; // path, value

  void add(const std::string& value, const std::string& path) {
    std::lock_guard<std::mutex> guard(mtx);
    got.emplace_back(path, value);
    cv.notify_all();
  }
  bool wait_for(std::size_t n) {
    std::unique_lock<std::mutex> guard(mtx);
    return cv.wait_for(guard, std::chrono::seconds(10),
                       [&] { return got.size() >= n; });
  }
};

} // namespace

TEST_CASE("facade: custom HTTP routes, like the seed's app") {
  test_dir dir;
  P2PServer server(options_in(dir));
  server.route("GET", "/hello", [](const web_request& req) {
    return web_response{200, "text/plain", "hi from " + req.target};
  });
  server.route("POST", "/echo/", [](const web_request& req) {
    return web_response{201, "application/json", req.body};
  });
  server.start();
  auto hello = http_exchange(server.port(), "GET /hello?x=1 HTTP/1.1\r\n"
                                            "Host: t\r\nConnection: close\r\n\r\n");
  CHECK(hello.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(hello.find("Content-Type: text/plain") != std::string::npos);
  CHECK(hello.find("hi from /hello?x=1") != std::string::npos);
  auto echo = http_exchange(server.port(),
                            "POST /echo/a/b HTTP/1.1\r\nHost: t\r\n"
                            "Content-Length: 7\r\nConnection: close\r\n\r\n"
                            "{\"a\":1}");
  CHECK(echo.rfind("HTTP/1.1 201", 0) == 0);
  CHECK(echo.find("{\"a\":1}") != std::string::npos);
  // Built-in routes keep precedence; unknown ones stay 404.
  auto health = http_exchange(server.port(), "GET /health HTTP/1.1\r\n"
                                             "Host: t\r\nConnection: close\r\n\r\n");
  CHECK(health.find("\"ok\":true") != std::string::npos);
  auto none = http_exchange(server.port(), "GET /nope HTTP/1.1\r\n"
                                           "Host: t\r\nConnection: close\r\n\r\n");
  CHECK(none.rfind("HTTP/1.1 404", 0) == 0);
}

TEST_CASE("facade: put, get, del, scan as the seed's API") {
  test_dir dir;
  P2PServer server(options_in(dir));
  server.start();
  CHECK(server.port() != 0);
  CHECK(server.server_id().size() == 16);
  auto u = server.put("users/user1", R"({"name": "Alice", "age": 30})");
  CHECK(u.path == "users/user1");
  CHECK(u.value == R"({"name":"Alice","age":30})");
  CHECK(u.origin == server.server_id());
  CHECK(wall_ms_of(u.time) > 1700000000000);
  CHECK(server.get("users/user1") == u.value);
  CHECK_FALSE(server.get("users/none"));
  server.put("users/user2", "2");
  auto entries = server.scan("users/");
  REQUIRE(entries.size() == 2);
  CHECK(entries[1].value == "2");
  CHECK(server.scan("users/", 1).size() == 1);
  CHECK(server.del("users/user1"));
  CHECK_FALSE(server.del("users/user1"));
  CHECK_FALSE(server.get("users/user1"));
  CHECK_THROWS_AS(server.put("a//b", "1"), p2p_error);
  CHECK_THROWS_AS(server.put("a", "{bad"), p2p_error);
  server.close();
}

TEST_CASE("facade: subscribe sees its prefix, unsubscribe stops delivery") {
  test_dir dir;
  P2PServer server(options_in(dir));
  server.start();
  inbox box;
  auto unsubscribe = server.subscribe(
    "greetings", [&](auto& value, auto& path) { box.add(value, path); });
  server.put("greetings2/x", "0"); // sibling by string prefix: not delivered
  server.put("greetings/hello", R"("hi")");
  REQUIRE(box.wait_for(1));
  CHECK(box.got[0].first == "greetings/hello");
  server.del("greetings/hello");
  REQUIRE(box.wait_for(2));
  CHECK(box.got[1].second == "null");
  unsubscribe();
  // Delivery is ordered: after unsubscribing, a second subscriber that
  // sees a later write proves the first one would have seen it by then.
  inbox other;
  auto unsub2 = server.subscribe(
    "greetings", [&](auto& value, auto& path) { other.add(value, path); });
  server.put("greetings/again", "1");
  REQUIRE(other.wait_for(1));
  CHECK(box.got.size() == 2);
  unsub2();
}

TEST_CASE("group commit: concurrent writes share transactions") {
  test_dir dir;
  P2PServer server(options_in(dir));
  server.start();
  auto& sys = server.system();
  auto router = server.node();
  constexpr int writes = 2000;
  caf::scoped_actor self{sys};
  // Plain sends: the replies come back as ordinary messages, so all
  // 2,000 writes are in flight at once.
  for (int i = 0; i < writes; ++i)
    self->send(router, put_atom::value, "bulk/" + std::to_string(i),
               std::to_string(i));
  int answered = 0;
  self->receive_for(answered, writes)(
    [&](update& u) { CHECK(u.path.rfind("bulk/", 0) == 0); },
    [&](caf::error& e) { FAIL(caf::to_string(e)); });
  CHECK(server.scan("bulk/").size() == writes);
  // 2,000 writes in flight at once cannot have needed 2,000 transactions.
  auto stats = server.stats();
  CHECK(stats.writes == writes);
  CHECK(stats.commits < writes / 4);
}

TEST_CASE("typed handles: a CAF actor subscribes and receives changes") {
  test_dir dir;
  P2PServer server(options_in(dir));
  server.start();
  auto& sys = server.system();
  caf::scoped_actor self{sys};
  auto listener = sys.spawn([&](subscriber_actor::pointer) ->
                            subscriber_actor::behavior_type {
    return {[&, who = caf::actor_cast<caf::actor>(self)](const change& c) {
      caf::anon_send(who, c);
    }};
  });
  uint64_t id = 0;
  self->request(server.node(), std::chrono::seconds(5),
                subscribe_atom::value, std::string("app"), listener)
    .receive([&](uint64_t x) { id = x; },
             [&](caf::error& e) { FAIL(caf::to_string(e)); });
  CHECK(id != 0);
  server.put("app/config", R"({"on":true})");
  self->receive(
    [&](const change& c) {
      CHECK(c.u.path == "app/config");
      CHECK(c.seq > 0);
    },
    caf::after(std::chrono::seconds(10)) >> [] { FAIL("no change"); });
  caf::anon_send_exit(listener, caf::exit_reason::user_shutdown);
}

TEST_CASE("start fails clearly when the port is taken") {
  test_dir dir;
  P2PServer first(options_in(dir));
  first.start();
  auto o = options_in(dir);
  o.db_path = dir.sub("db2");
  o.port = first.port();
  P2PServer second(o);
  CHECK_THROWS_AS(second.start(), p2p_error);
}
