#include "apps/node_options.hpp"

#include <doctest/doctest.h>

using namespace p2p;

TEST_CASE("launcher defaults and flags") {
  auto cmd = parse_node_args({});
  CHECK(cmd.what == launch_command::run);
  CHECK(cmd.options.host == "127.0.0.1");
  CHECK(cmd.options.port == 3000);
  CHECK(cmd.options.db_path == "./p2p-data");
  cmd = parse_node_args({"--port", "0", "--db", "/tmp/x", "--peer",
                         "http://127.0.0.1:1", "--peer", "http://h:2",
                         "--id", "abcd"});
  CHECK(cmd.what == launch_command::run);
  CHECK(cmd.options.port == 0);
  CHECK(cmd.options.peers.size() == 2);
  CHECK(cmd.options.id == "abcd");
}

TEST_CASE("launcher rejects bad flags") {
  CHECK(parse_node_args({"--bogus", "1"}).what == launch_command::error);
  CHECK(parse_node_args({"--port"}).what == launch_command::error);
  CHECK(parse_node_args({"--port", "70000"}).what == launch_command::error);
  CHECK(parse_node_args({"--port", "12x"}).what == launch_command::error);
  CHECK(parse_node_args({"--peer", "ftp://x"}).what == launch_command::error);
  CHECK(parse_node_args({"--help"}).what == launch_command::help);
}
