// Launcher mistakes that used to pass silently, or fail late: empty paths
// and variables, bad --id/--host/--index/--schema, flags given twice, bad
// list items, and export/import errors after a progress line.
#include "apps/maintenance.hpp"
#include "apps/node_options.hpp"
#include "fake_env.hpp"
#include "test_dir.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <streambuf>
#include <thread>

using namespace p2p;

namespace {

using p2p::testing::env_map;
using p2p::testing::env_of;

bool names(const launch_command& cmd, const std::string& what) {
  return cmd.what == launch_command::error
         && cmd.message.find(what) != std::string::npos;
}

} // namespace

TEST_CASE("an empty path is refused, not taken as no file") {
  for (const char* flag :
       {"db", "secret-file", "token-file", "tls-cert", "tls-key", "tls-ca"}) {
    CAPTURE(flag);
    auto dashed = std::string("--") + flag;
    CHECK(names(parse_node_args({dashed, ""}), dashed));
    CHECK(names(parse_node_args({dashed + "="}), dashed));
  }
  CHECK(names(parse_node_args({"--schema", "users/:"}), "--schema"));
}

TEST_CASE("a variable set but empty is an error, for every flag") {
  for (const auto& flag : node_flag_names()) {
    auto var = env_name(flag);
    CAPTURE(var);
    for (const char* empty : {"", "  "}) {
      auto cmd = parse_node_args({}, env_of({{var, empty}}));
      CHECK(names(cmd, "--" + flag));
      CHECK(names(cmd, var));
    }
  }
  // The command line still wins over the variable.
  CHECK(parse_node_args({"--token-file", "t"}, env_of({{"P2P_TOKEN_FILE", ""}}))
          .what
        == launch_command::run);
}

TEST_CASE("--id is 1 to 64 hex digits") {
  for (const char* bad : {"zz", "", "12 34", "0x12"}) {
    CAPTURE(bad);
    CHECK(names(parse_node_args({"--id", bad}), "--id"));
  }
  CHECK(names(parse_node_args({"--id", std::string(65, 'a')}), "--id"));
  CHECK(parse_node_args({"--id", std::string(64, 'F')}).what
        == launch_command::run);
  CHECK(names(parse_node_args({}, env_of({{"P2P_ID", "zz"}})), "P2P_ID"));
}

TEST_CASE("--host is an address the server can bind") {
  for (const char* bad : {"", "not a host", "1.2.3", "[]", "[::1"}) {
    CAPTURE(bad);
    CHECK(names(parse_node_args({"--host", bad}), "--host"));
  }
  for (const char* good : {"0.0.0.0", "127.0.0.1", "::", "[::1]", "10.1.2.3"}) {
    CAPTURE(good);
    CHECK(parse_node_args({"--host", good}).what == launch_command::run);
  }
}

TEST_CASE("a flag that does not repeat is refused twice") {
  for (const auto& args : std::vector<std::vector<std::string>>{
         {"--db", "A", "--db", "B"},
         {"--log-level", "error", "--log-level", "info"},
         {"--port", "1", "--port=2"},
         {"--token-reads", "--token-reads=0"},
         {"--id", "ab", "--id", "ab"}}) {
    CAPTURE(args[0]);
    CHECK(names(parse_node_args(args), args[0]));
  }
  auto cmd = parse_node_args({"--peer", "http://a:1", "--peer", "http://b:2",
                              "--index", "u/:/a", "--index", "u/:/b",
                              "--schema", "u/:x.json", "--schema", "v/:y.json",
                              "--cors-origin", "https://a.example",
                              "--cors-origin", "https://b.example"});
  REQUIRE(cmd.what == launch_command::run);
  CHECK(cmd.options.peers.size() == 2);
  CHECK(cmd.options.indexes.size() == 2);
  CHECK(cmd.schema_files.size() == 2);
  CHECK(cmd.options.cors_origins.size() == 2);
}

TEST_CASE("a bad list item is named by its place; items are trimmed") {
  auto bad = parse_node_args(
    {}, env_of({{"P2P_PEER", "http://a:1, ftp://b"}}));
  CHECK(names(bad, "(item 2 of P2P_PEER)"));
  CHECK(bad.message.find("P2P_PEER=") == std::string::npos);
  auto cmd = parse_node_args(
    {}, env_of({{"P2P_PEER", " http://a:1 , http://b:2 ,"},
                {"P2P_CORS_ORIGIN", "https://a.example, https://b.example"}}));
  REQUIRE(cmd.what == launch_command::run);
  CHECK(cmd.options.peers == std::vector<std::string>{"http://a:1", "http://b:2"});
  CHECK(cmd.options.cors_origins.size() == 2);
}

TEST_CASE("--index needs a JSON pointer, --schema a schema, before start") {
  for (const char* bad : {"nope:bad", "u/:role", "u/:/a~2"}) {
    CAPTURE(bad);
    CHECK(names(parse_node_args({"--index", bad}), "--index"));
  }
  CHECK(names(parse_node_args({}, env_of({{"P2P_INDEX", "u/:/a,u/:b"}})),
              "(item 2 of P2P_INDEX)"));
  test_dir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.sub(name)) << text;
    return dir.sub(name);
  };
  auto good = write("good.json", R"({"type":"object"})");
  for (const char* text : {"not json", R"({"type":"nope"})", "[1,"}) {
    CAPTURE(text);
    auto cmd = parse_node_args(
      {"--schema", "u/:" + good, "--schema", "v/:" + write("bad.json", text)});
    REQUIRE(cmd.what == launch_command::run);
    auto err = load_files(cmd);
    CHECK(err.find("--schema v/:") != std::string::npos);
  }
  auto cmd = parse_node_args({"--schema", "u/:" + good});
  CHECK(load_files(cmd).empty());
  CHECK(cmd.options.schemas.size() == 1);
  auto missing = parse_node_args({"--schema", "u/:" + dir.sub("none.json")});
  CHECK(load_files(missing).find("--schema") != std::string::npos);
}

namespace {

// Input that arrives late, so the live progress line is drawn before it.
struct slow_input : std::streambuf {
  std::string text;
  bool given = false;
  explicit slow_input(std::string t) : text(std::move(t)) {}
  int_type underflow() override {
    if (given)
      return traits_type::eof();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    given = true;
    setg(text.data(), text.data(), text.data() + text.size());
    return traits_type::to_int_type(text[0]);
  }
};

// Output that refuses every byte, as /dev/full does.
struct full_output : std::streambuf {
  int_type overflow(int_type) override { return traits_type::eof(); }
};

} // namespace

TEST_CASE("an import error after a live progress line starts a new line") {
  test_dir dir;
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count();
  std::istringstream entry(R"({"path":"a","value":1,"timestamp":)"
                           + std::to_string(now) + R"(,"origin":"ab"})");
  std::ostringstream out, err;
  int code = 0;
  CHECK(run_maintenance({"import", "--db", dir.sub("db")}, entry, out, err,
                        code, false));
  REQUIRE(code == 0);
  slow_input buf("\nnot json\n");
  std::istream in(&buf);
  err.str("");
  CHECK(run_maintenance({"import", "--db", dir.sub("db")}, in, out, err, code,
                        true));
  CHECK(code == 1);
  auto text = err.str();
  CAPTURE(text);
  auto drawn = text.find("\rp2p-node import: ");
  auto message = text.find("p2p-node import: line 2");
  REQUIRE(drawn != std::string::npos);
  REQUIRE(message != std::string::npos);
  CHECK(text.substr(message - 4, 4) == "\r\x1b[K"); // the line cleared first

  // An export that cannot write says so.
  full_output full;
  std::ostream sink(&full);
  std::istringstream none;
  std::ostringstream err2;
  CHECK(run_maintenance({"export", "--db", dir.sub("db")}, none, sink, err2,
                        code, false));
  CHECK(code == 1);
  CHECK(err2.str().find("p2p-node export: cannot write the output")
        != std::string::npos);
}

TEST_CASE("one schema per prefix; a list that lists nothing; a directory") {
  // Schemas are kept per prefix: the second would have replaced the first.
  auto twice = parse_node_args({"--schema", "u/:a.json", "--schema", "u/:b.json"});
  CHECK(names(twice, "--schema u/:b.json"));
  CHECK(names(twice, "has a schema already"));
  CHECK(parse_node_args({"--schema", "u/:a.json", "--schema", "v/:b.json"}).what
        == launch_command::run);
  // ", ," is as empty as "": not "no peers".
  auto nothing = parse_node_args({}, env_of({{"P2P_PEER", ", ,,"}}));
  CHECK(names(nothing, "--peer"));
  CHECK(names(nothing, "P2P_PEER"));
  // A directory opens but holds no text: said as such, not "empty".
  test_dir dir;
  auto cmd = parse_node_args({"--secret-file", dir.path.string()});
  REQUIRE(cmd.what == launch_command::run);
  CHECK(load_files(cmd).find("is a directory") != std::string::npos);
}
