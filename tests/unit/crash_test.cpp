// P2PServer::crash(), the simulator's kill -9: what a killed process would
// leave behind, on a real LMDB in a temp dir.
#include "p2psync/server.hpp"
#include "node_helpers.hpp"
#include "storage/database.hpp"
#include "test_dir.hpp"

#include <doctest/doctest.h>

using namespace p2p;

namespace {

// Opening a db that is still marked open (an unclean end) starts a new epoch.
std::string epoch_at(const std::string& path) {
  return database(path).epoch();
}

} // namespace

TEST_CASE("crash: the next start sees an unclean shutdown, and keeps what was "
          "acknowledged") {
  test_dir dir;
  auto opts = options_in(dir);
  {
    P2PServer node(opts);
    node.start();
    node.put("kept/a", "1");
    node.close();
  }
  auto clean = epoch_at(opts.db_path);
  CHECK(epoch_at(opts.db_path) == clean); // a clean close keeps the epoch
  {
    P2PServer node(opts);
    node.start();
    node.put("kept/b", "2");
    node.crash();
    node.crash(); // idempotent
  }
  auto after_crash = epoch_at(opts.db_path);
  CHECK(after_crash != clean);
  P2PServer node(opts);
  node.start();
  CHECK(node.get("kept/a") == std::optional<std::string>("1"));
  CHECK(node.get("kept/b") == std::optional<std::string>("2"));
}
