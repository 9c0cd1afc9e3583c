#include "apps/node_options.hpp"
#include "fake_env.hpp"
#include "p2psync/version.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <set>

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

// ---------------------------------------------------------------- every flag

namespace {

using p2p::testing::env_map;
using p2p::testing::env_of;

struct flag_case {
  std::string flag;  // without dashes
  std::string value; // a good value
  std::function<bool(const launch_command&)> took; // the value is in cmd
  std::string bad;   // a bad value ("" with none)
};

const std::vector<flag_case>& flag_cases() {
  using c = const launch_command&;
  static const std::vector<flag_case> cases = {
    {"host", "[::1]", [](c k) { return k.options.host == "::1"; }, ""},
    {"port", "3101", [](c k) { return k.options.port == 3101; }, "70000"},
    {"db", "/tmp/x", [](c k) { return k.options.db_path == "/tmp/x"; }, ""},
    {"peer", "http://127.0.0.1:1/",
     [](c k) {
       return k.options.peers == std::vector<std::string>{"http://127.0.0.1:1"};
     },
     "ftp://x"},
    {"id", "abcd", [](c k) { return k.options.id == "abcd"; }, ""},
    {"io-threads", "4", [](c k) { return k.options.io_threads == 4; }, "0"},
    {"idle-timeout", "500",
     [](c k) { return k.options.idle_timeout.count() == 500; }, "0"},
    {"sse-buffer-bytes", "4194304",
     [](c k) { return k.options.sse_buffer_bytes == 4194304; }, "1M"},
    {"secret-file", "s.txt", [](c k) { return k.secret_file == "s.txt"; }, ""},
    {"advertise", "http://node-a:3000",
     [](c k) { return k.options.advertise == "http://node-a:3000"; },
     "node-a:3000"},
    {"min-links", "2", [](c k) { return k.options.min_links == 2; }, "-1"},
    {"max-links", "20", [](c k) { return k.options.max_links == 20; }, "0"},
    {"broadcast", "flood", [](c k) { return !k.options.broadcast_tree; },
     "gossip"},
    {"tombstone-ttl", "2s",
     [](c k) { return k.options.tombstone_ttl.count() == 2000; }, "1w"},
    {"token-file", "t.txt", [](c k) { return k.token_file == "t.txt"; }, ""},
    {"token-reads", "true", [](c k) { return k.options.token_reads; }, "maybe"},
    {"tls-cert", "c.pem", [](c k) { return k.options.tls_cert == "c.pem"; }, ""},
    {"tls-key", "k.pem", [](c k) { return k.options.tls_key == "k.pem"; }, ""},
    {"tls-ca", "ca.pem", [](c k) { return k.options.tls_ca == "ca.pem"; }, ""},
    {"index", "users/:/role",
     [](c k) {
       return k.options.indexes.size() == 1
              && k.options.indexes[0].second == "/role";
     },
     "users"},
    {"schema", "users/:u.json",
     [](c k) {
       return k.schema_files.size() == 1 && k.schema_files[0].second == "u.json";
     },
     "users/:"},
    {"cors-origin", "https://app.example",
     [](c k) {
       return k.options.cors_origins
              == std::vector<std::string>{"https://app.example"};
     },
     ""},
    {"log-level", "debug", [](c k) { return k.log_level == log::level::debug; },
     "loud"},
    {"log-format", "json",
     [](c k) { return k.log_format == log::format::json; }, "xml"},
  };
  return cases;
}

} // namespace

TEST_CASE("every flag has a case below") {
  std::set<std::string> covered;
  for (const auto& fc : flag_cases())
    covered.insert(fc.flag);
  for (const auto& name : node_flag_names()) {
    CAPTURE(name);
    CHECK(covered.count(name) == 1);
  }
  CHECK(covered.size() == node_flag_names().size());
}

TEST_CASE("every flag as --f v, --f=v and P2P_F; bad values name the flag") {
  for (const auto& fc : flag_cases()) {
    CAPTURE(fc.flag);
    auto dashed = "--" + fc.flag;
    auto var = env_name(fc.flag);
    CHECK(var.rfind("P2P_", 0) == 0);
    CHECK(var.find('-') == std::string::npos);
    CHECK_FALSE(fc.took(parse_node_args({})));
    for (const auto& cmd :
         {parse_node_args({dashed, fc.value}),
          parse_node_args({dashed + "=" + fc.value}),
          parse_node_args({}, env_of({{var, fc.value}}))}) {
      CHECK(cmd.what == launch_command::run);
      CHECK(fc.took(cmd));
    }
    if (fc.bad.empty())
      continue;
    for (const auto& cmd : {parse_node_args({dashed, fc.bad}),
                            parse_node_args({dashed + "=" + fc.bad})}) {
      CHECK(cmd.what == launch_command::error);
      CHECK(cmd.message.find(dashed) != std::string::npos);
    }
    auto from_env = parse_node_args({}, env_of({{var, fc.bad}}));
    CHECK(from_env.what == launch_command::error);
    CHECK(from_env.message.find(dashed) != std::string::npos);
    CHECK(from_env.message.find(var) != std::string::npos);
  }
}

TEST_CASE("environment variable names") {
  CHECK(env_name("port") == "P2P_PORT");
  CHECK(env_name("--tombstone-ttl") == "P2P_TOMBSTONE_TTL");
  CHECK(env_name("secret-file") == "P2P_SECRET_FILE");
  CHECK(env_name("cors-origin") == "P2P_CORS_ORIGIN");
}

TEST_CASE("the command line wins over the environment") {
  auto env = env_of({{"P2P_PORT", "4000"}, {"P2P_PEER", "http://a:1"},
                     {"P2P_DB", "/env/db"}});
  auto cmd = parse_node_args({"--port", "5000", "--peer", "http://b:2"}, env);
  REQUIRE(cmd.what == launch_command::run);
  CHECK(cmd.options.port == 5000);
  CHECK(cmd.options.peers == std::vector<std::string>{"http://b:2"});
  CHECK(cmd.options.db_path == "/env/db"); // not on the command line
  // A bad environment value is not looked at when the flag is given.
  CHECK(parse_node_args({"--port", "1"}, env_of({{"P2P_PORT", "x"}})).what
        == launch_command::run);
}

TEST_CASE("repeatable flags from the environment: comma-separated") {
  auto cmd = parse_node_args(
    {}, env_of({{"P2P_PEER", "http://a:1,http://b:2,"},
                {"P2P_INDEX", "users/:/role,orders/:/total"},
                {"P2P_CORS_ORIGIN", "https://a.example,https://b.example"}}));
  REQUIRE(cmd.what == launch_command::run);
  CHECK(cmd.options.peers == std::vector<std::string>{"http://a:1", "http://b:2"});
  CHECK(cmd.options.indexes.size() == 2);
  CHECK(cmd.options.cors_origins.size() == 2);
  auto bad = parse_node_args({}, env_of({{"P2P_PEER", "http://a:1,ftp://b"}}));
  CHECK(bad.what == launch_command::error);
  CHECK(bad.message.find("P2P_PEER") != std::string::npos);
}

TEST_CASE("boolean flags take 1/true/0/false") {
  for (auto [text, want] : {std::pair{"1", true}, {"true", true}, {"0", false},
                            {"false", false}}) {
    CAPTURE(text);
    CHECK(parse_node_args({}, env_of({{"P2P_TOKEN_READS", text}}))
            .options.token_reads
          == want);
    CHECK(parse_node_args({std::string("--token-reads=") + text})
            .options.token_reads
          == want);
  }
  CHECK(parse_node_args({"--token-reads"}).options.token_reads);
  CHECK(parse_node_args({"--token-reads", "--port", "1"}).options.port == 1);
}

TEST_CASE("P2P_* variables that name no flag are ignored") {
  auto cmd = parse_node_args(
    {}, env_of({{"P2P_NODE", "build/p2p-node --broadcast flood"},
                {"P2P_SIM", "x"}, {"P2P_BUILD_DIR", "/b"},
                {"P2P_TEST_JOBS", "many"}, {"P2P_CLOCK_OFFSET_MS", "12"},
                {"P2P_KEEP_TMP", "1"}, {"P2P_HELP", "1"}, {"P2P_VERSION", "1"}}));
  CHECK(cmd.what == launch_command::run);
  CHECK(cmd.message.empty());
  CHECK(cmd.options.broadcast_tree);
}

TEST_CASE("--version, --help and stray arguments") {
  auto v = parse_node_args({"--version"});
  CHECK(v.what == launch_command::version);
  CHECK(v.message == version_line("p2p-node") + "\n");
  CHECK(v.message.rfind(std::string("p2p-node ") + version_string, 0) == 0);
  CHECK((v.message.find("(git ") != std::string::npos) == (*git_revision != 0));
  auto h = parse_node_args({"-h"});
  CHECK(h.what == launch_command::help);
  for (const auto& name : node_flag_names())
    CHECK(h.message.find("--" + name) != std::string::npos);
  auto stray = parse_node_args({"--port", "1", "extra"});
  CHECK(stray.what == launch_command::error);
  CHECK(stray.message.find("extra") != std::string::npos);
  // Abbreviations are not guessed: --po is not --port.
  CHECK(parse_node_args({"--po", "1"}).message == "unknown flag --po");
  CHECK(parse_node_args({"--port"}).message.find("--port") != std::string::npos);
  // A flag that does not repeat is refused twice (options_errors_test.cpp).
  CHECK(parse_node_args({"--port", "1", "--port", "2"}).what
        == launch_command::error);
}

TEST_CASE("--cors-origin * does not go with --token-file") {
  auto cmd = parse_node_args({"--cors-origin", "*", "--token-file", "t"});
  CHECK(cmd.what == launch_command::error);
  CHECK(cmd.message.find("--cors-origin") != std::string::npos);
  cmd = parse_node_args({"--token-file", "t"}, env_of({{"P2P_CORS_ORIGIN", "*"}}));
  CHECK(cmd.what == launch_command::error);
  CHECK(parse_node_args({"--cors-origin", "*"}).what == launch_command::run);
  CHECK(parse_node_args({"--cors-origin", "https://a.example", "--token-file",
                         "t"})
          .what
        == launch_command::run);
}
