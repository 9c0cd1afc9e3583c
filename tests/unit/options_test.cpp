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

TEST_CASE("--peer is checked when read, and kept in canonical form") {
  for (const char* bad :
       {"http://localhost", "http://h:1/path", "http://u@h:1", "ftp://h:1",
        "h:1", "http://h:0", "http://[::1]", "http://bad host:1"}) {
    CAPTURE(bad);
    auto cmd = parse_node_args({"--peer", bad});
    CHECK(cmd.what == launch_command::error);
    CHECK(cmd.message.find(bad) != std::string::npos);
  }
  auto cmd = parse_node_args(
    {"--peer", "http://[::1]:3101/", "--peer", "HTTPS://h:2"});
  REQUIRE(cmd.what == launch_command::run);
  CHECK(cmd.options.peers
        == std::vector<std::string>{"http://[::1]:3101", "https://h:2"});
}

TEST_CASE("--host takes an IPv6 address with or without brackets") {
  CHECK(parse_node_args({"--host", "[::1]"}).options.host == "::1");
  CHECK(parse_node_args({"--host", "::1"}).options.host == "::1");
  CHECK(is_loopback(parse_node_args({"--host", "[::1]"}).options.host));
  CHECK(is_loopback("::ffff:127.0.0.1"));
  CHECK_FALSE(is_loopback("::ffff:10.0.0.1"));
}

TEST_CASE("a node with a token links only with the cluster secret") {
  auto cmd = parse_node_args({"--peer", "http://127.0.0.1:1"});
  cmd.options.token = "t"; // as load_files reads it from --token-file
  CHECK(load_files(cmd).find("--secret-file") != std::string::npos);
  cmd.options.secret = "s";
  CHECK(load_files(cmd).empty());
  auto alone = parse_node_args({});
  alone.options.token = "t"; // no peers: starts, and refuses /p2p
  CHECK(load_files(alone).empty());
}

TEST_CASE("overlay and broadcast flags") {
  auto cmd = parse_node_args({});
  CHECK(cmd.options.min_links == 3);
  CHECK(cmd.options.max_links == 8);
  CHECK(cmd.options.broadcast_tree);
  CHECK(cmd.options.advertise.empty());
  cmd = parse_node_args({"--advertise", "HTTP://Node-A:3000/", "--min-links", "0",
                         "--max-links", "20", "--broadcast", "flood"});
  REQUIRE(cmd.what == launch_command::run);
  CHECK(cmd.options.advertise == "http://Node-A:3000"); // canonical: scheme, no path
  CHECK(cmd.options.min_links == 0);
  CHECK(cmd.options.max_links == 20);
  CHECK_FALSE(cmd.options.broadcast_tree);
  CHECK(parse_node_args({"--advertise", "node-a:3000"}).what
        == launch_command::error);
  CHECK(parse_node_args({"--broadcast", "gossip"}).what == launch_command::error);
  CHECK(parse_node_args({"--max-links", "0"}).what == launch_command::error);
  CHECK(parse_node_args({"--min-links", "-1"}).what == launch_command::error);
  cmd = parse_node_args({"--min-links", "9", "--max-links", "4"});
  REQUIRE(cmd.what == launch_command::run);
  CHECK_FALSE(load_files(cmd).empty()); // min above max: refused at start
}
