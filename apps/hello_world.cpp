// The seed's hello-world, in C++: two nodes, a write on one read on the
// other, an update flowing back, and a subscription. Where the seed waits
// fixed times, this waits for the condition itself (with a deadline).
// Usage: hello-world [PORT1 PORT2]   (default: free ports)
#include <p2psync/p2psync.hpp>
#include "example_support.hpp"

#include <atomic>
#include <iostream>
#include <string>

using p2p::examples::wait_until;

int main(int argc, char** argv) {
  p2p::examples::temp_root root;
  p2p::server_options o1, o2;
  o1.port = argc > 2 ? static_cast<uint16_t>(std::stoi(argv[1])) : 0;
  o1.db_path = root.db("db-server1");
  p2p::P2PServer server1(o1);
  server1.start(); // the "hub"
  o2.port = argc > 2 ? static_cast<uint16_t>(std::stoi(argv[2])) : 0;
  o2.db_path = root.db("db-server2");
  o2.peers = {"http://localhost:" + std::to_string(server1.port())};
  p2p::P2PServer server2(o2);
  server2.start();
  try {
    if (!wait_until([&] { return server2.connected_peers() == 1; }))
      throw std::runtime_error("server 2 did not connect to server 1");

    std::cout << "Server 1 storing greeting..." << std::endl;
    server1.put("greetings/hello",
                R"({"message":"Hello World!","timestamp":)"
                  + std::to_string(p2p::system_wall_ms()) + "}");

    std::cout << "Server 2 retrieving greeting..." << std::endl;
    if (!wait_until([&] { return server2.get("greetings/hello").has_value(); }))
      throw std::runtime_error("the greeting did not reach server 2");
    std::cout << "Server 2 received: "
              << server2.get("greetings/hello").value_or("null") << std::endl;

    std::cout << "Server 2 updating greeting..." << std::endl;
    auto updated = server2.put(
      "greetings/hello", R"({"message":"Hello from Server 2!","timestamp":)"
                           + std::to_string(p2p::system_wall_ms())
                           + R"(,"origin":"server2"})");

    std::cout << "Server 1 retrieving updated greeting..." << std::endl;
    if (!wait_until(
          [&] { return server1.get("greetings/hello") == updated.value; }))
      throw std::runtime_error("the update did not reach server 1");
    std::cout << "Server 1 received: "
              << server1.get("greetings/hello").value_or("null") << std::endl;

    std::cout << "Server 1 subscribing to greetings..." << std::endl;
    std::atomic<int> notifications{0};
    auto unsubscribe = server1.subscribe(
      "greetings", [&](const std::string& value, const std::string& path) {
        std::cout << "Server 1 notification for " << path << ": " << value
                  << std::endl;
        ++notifications;
      });

    std::cout << "Server 2 adding new greeting..." << std::endl;
    server2.put("greetings/welcome",
                R"({"message":"Welcome to P2P Server!","timestamp":)"
                  + std::to_string(p2p::system_wall_ms()) + "}");

    if (!wait_until([&] { return notifications.load() >= 1; }))
      throw std::runtime_error("no notification on server 1");
    unsubscribe();
    std::cout << "Server 1 unsubscribed from greetings" << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "Error: " << e.what() << std::endl;
    return 1;
  }
  server1.close();
  server2.close();
  std::cout << "Servers closed" << std::endl;
  return 0;
}
