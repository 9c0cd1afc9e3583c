// The seed's "network of nodes" example: three nodes in a chain
// (server3 -> server2 -> server1). A write on server1 reaches server3
// through server2, and a write on server3 reaches server1.
#include <p2psync/p2psync.hpp>
#include "example_support.hpp"

#include <iostream>
#include <memory>
#include <vector>

using p2p::examples::wait_until;

int main() {
  p2p::examples::temp_root root;
  std::vector<std::unique_ptr<p2p::P2PServer>> servers;
  for (int i = 1; i <= 3; ++i) {
    p2p::server_options o;
    o.port = 0;
    o.db_path = root.db("db" + std::to_string(i));
    if (!servers.empty())
      o.peers = {"http://localhost:" + std::to_string(servers.back()->port())};
    servers.push_back(std::make_unique<p2p::P2PServer>(o));
    servers.back()->start();
    std::cout << "server" << i << " listening on port "
              << servers.back()->port() << " id=" << servers.back()->server_id()
              << (i > 1 ? " (peer: server" + std::to_string(i - 1) + ")" : "")
              << std::endl;
  }
  auto& first = *servers.front();
  auto& last = *servers.back();
  if (!wait_until([&] { return servers[1]->connected_peers() == 2; })) {
    std::cerr << "the chain did not come up" << std::endl;
    return 1;
  }
  auto t0 = std::chrono::steady_clock::now();
  first.put("chain/from-1", R"({"hops":2})");
  if (!wait_until([&] { return last.get("chain/from-1").has_value(); })) {
    std::cerr << "server3 never saw server1's write" << std::endl;
    return 1;
  }
  auto ms = [&] {
    return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - t0)
      .count();
  };
  std::cout << "server3 got server1's write through server2 in " << ms()
            << " ms: " << *last.get("chain/from-1") << std::endl;
  t0 = std::chrono::steady_clock::now();
  last.put("chain/from-3", R"({"hops":2})");
  if (!wait_until([&] { return first.get("chain/from-3").has_value(); })) {
    std::cerr << "server1 never saw server3's write" << std::endl;
    return 1;
  }
  std::cout << "server1 got server3's write through server2 in " << ms()
            << " ms: " << *first.get("chain/from-3") << std::endl;
  for (auto& s : servers)
    s->close();
  std::cout << "servers closed" << std::endl;
  return 0;
}
