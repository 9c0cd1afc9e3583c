// Writes from one sender apply in the order sent, while group commit keeps
// them waiting together: through the typed handle (many in flight), the
// facade and one HTTP connection, on a real LMDB.
#include "p2psync/server.hpp"
#include "actors/pending_writes.hpp"
#include "node_helpers.hpp"
#include "test_dir.hpp"

#include <caf/all.hpp>
#include <doctest/doctest.h>

#include <functional>

using namespace p2p;

namespace {

struct reply {
  bool ok = false;
  update u;
  std::string error;
};

/// Sends every write (true: a delete) before reading any reply, so that
/// they wait in the store together; returns the replies in sending order
/// (an error may come back before the replies to writes sent earlier).
std::vector<reply>
send_all(P2PServer& server,
         const std::vector<std::tuple<bool, std::string, std::string>>& writes) {
  caf::scoped_actor self{server.system()};
  auto router = server.node();
  auto timeout = std::chrono::seconds(30);
  std::vector<reply> out(writes.size());
  // Each request is sent at once; its reply is read later, by its id.
  std::vector<std::function<void()>> await_replies;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    auto& [is_delete, path, json] = writes[i];
    auto on_ok = [&out, i](update& u) { out[i] = {true, std::move(u), {}}; };
    auto on_error = [&out, i](caf::error& e) {
      out[i] = {false, {}, error_message(e)};
    };
    if (is_delete) {
      auto handle = self->request(router, timeout, delete_atom::value, path);
      await_replies.push_back(
        [handle, on_ok, on_error]() mutable { handle.receive(on_ok, on_error); });
    } else {
      auto handle = self->request(router, timeout, put_atom::value, path, json);
      await_replies.push_back(
        [handle, on_ok, on_error]() mutable { handle.receive(on_ok, on_error); });
    }
  }
  for (auto& wait : await_replies)
    wait();
  return out;
}

} // namespace

TEST_CASE("pending_writes: the last write waiting decides, until answered") {
  pending_writes p;
  CHECK_FALSE(p.last_is_delete("a"));
  p.add("a", false);
  p.add("a", true);
  CHECK(p.last_is_delete("a") == true);
  p.done("a");
  CHECK(p.last_is_delete("a") == true); // one still waits
  p.add("a", false);
  CHECK(p.last_is_delete("a") == false);
  p.done("a");
  p.done("a");
  CHECK_FALSE(p.last_is_delete("a"));
  CHECK(p.size() == 0); // answered paths are forgotten
  p.done("a");          // an extra answer changes nothing
  CHECK(p.size() == 0);
}

TEST_CASE("typed handle: a put then a delete of one path, both in flight") {
  test_dir dir;
  P2PServer server(options_in(dir));
  server.start();
  constexpr int paths = 200;
  std::vector<std::tuple<bool, std::string, std::string>> writes;
  for (int i = 0; i < paths; ++i) {
    auto path = "pd/" + std::to_string(i);
    writes.emplace_back(false, path, std::to_string(i));
    writes.emplace_back(true, path, "");
  }
  auto replies = send_all(server, writes);
  REQUIRE(replies.size() == writes.size());
  int deleted = 0;
  for (std::size_t i = 1; i < replies.size(); i += 2)
    deleted += replies[i].ok && replies[i].u.is_tombstone();
  CHECK(deleted == paths);
  CHECK(server.scan("pd/").empty());
  CHECK(server.stats().entries == 0);
  // Group commit stays: 400 writes in flight did not take 400 commits.
  CHECK(server.stats().commits < 200);
}

TEST_CASE("typed handle: sequences on one path keep their order") {
  test_dir dir;
  P2PServer server(options_in(dir));
  server.start();
  server.put("seq/old", "0"); // committed before the rest
  auto replies = send_all(server, {
    {false, "seq/a", "1"}, {false, "seq/a", "2"}, {true, "seq/a", ""},
    {true, "seq/a", ""},   // nothing left to delete
    {false, "seq/b", "1"}, {false, "seq/b", "2"}, // the later one wins
    {false, "seq/c", "1"}, {true, "seq/c", ""}, {false, "seq/c", "3"},
    {true, "seq/old", ""}, {true, "seq/old", ""},
    {true, "seq/never", ""},
  });
  REQUIRE(replies.size() == 12);
  CHECK(replies[2].ok);
  CHECK_FALSE(replies[3].ok);
  CHECK(replies[3].error.find("not found") != std::string::npos);
  CHECK_FALSE(server.get("seq/a"));
  CHECK(server.get("seq/b") == "2");
  CHECK(replies[7].ok);
  CHECK(server.get("seq/c") == "3");
  CHECK(replies[9].ok);
  CHECK_FALSE(replies[10].ok);
  CHECK_FALSE(replies[11].ok);
  CHECK_FALSE(server.get("seq/old"));
  // Once answered, the committed data decides again.
  CHECK_FALSE(server.del("seq/a"));
  CHECK(server.del("seq/c"));
}

TEST_CASE("facade: put then del from one thread") {
  test_dir dir;
  P2PServer server(options_in(dir));
  server.start();
  for (int i = 0; i < 20; ++i) {
    auto path = "fd/" + std::to_string(i);
    server.put(path, "1");
    CHECK(server.del(path));
    CHECK_FALSE(server.del(path));
    CHECK_FALSE(server.get(path));
  }
}

TEST_CASE("HTTP: PUT then DELETE pipelined on one keep-alive connection") {
  test_dir dir;
  P2PServer server(options_in(dir));
  server.start();
  std::string both = "PUT /api/kd/x HTTP/1.1\r\nHost: t\r\n"
                     "Content-Length: 1\r\n\r\n1"
                     "DELETE /api/kd/x HTTP/1.1\r\nHost: t\r\n"
                     "Connection: close\r\nContent-Length: 0\r\n\r\n";
  auto answer = http_exchange(server.port(), both);
  auto second = answer.find("HTTP/1.1 ", 1);
  REQUIRE(second != std::string::npos);
  CHECK(answer.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(answer.compare(second, 12, "HTTP/1.1 200") == 0);
  CHECK(answer.find("\"success\":true") != std::string::npos);
  CHECK_FALSE(server.get("kd/x"));
}
