// The data features through the C++ facade: write and read hooks, schemas,
// indexes and queries, export and import, on a real node in-process.
#include "p2psync/server.hpp"
#include "node_helpers.hpp"
#include "test_dir.hpp"

#include <boost/json/value.hpp>
#include <caf/all.hpp>
#include <doctest/doctest.h>

using namespace p2p;

namespace {

node_hooks example_hooks() {
  node_hooks h;
  h.before_put = [](const std::string& path, boost::json::value& value) {
    if (path.rfind("locked/", 0) == 0)
      return std::string("locked paths are read-only");
    if (path.rfind("strict/", 0) == 0)
      value.at("name"); // throws when there is no name
    if (auto* obj = value.if_object())
      (*obj)["checked"] = true;
    return std::string();
  };
  h.before_delete = [](const std::string& path) {
    return path.rfind("keep/", 0) == 0 ? std::string("keep/ is forever")
                                       : std::string();
  };
  h.on_read = [](const std::string& path, boost::json::value& value) {
    if (path.rfind("secret/", 0) == 0)
      return false;
    if (path.rfind("odd/", 0) == 0)
      value.as_object(); // throws for anything but an object
    if (auto* obj = value.if_object())
      obj->erase("password");
    return true;
  };
  return h;
}

} // namespace

TEST_CASE("hooks: transform and refuse local writes, filter reads") {
  test_dir dir;
  auto opts = options_in(dir);
  opts.hooks = example_hooks();
  P2PServer server(opts);
  server.start();
  auto u = server.put("users/ada", R"({"name":"Ada","password":"x"})");
  CHECK(u.value == R"({"name":"Ada","password":"x","checked":true})");
  // Reads are filtered: the password is gone and secret/ is hidden...
  CHECK(server.get("users/ada") == R"({"name":"Ada","checked":true})");
  server.put("secret/plan", "1");
  CHECK_FALSE(server.get("secret/plan"));
  CHECK(server.scan("").size() == 1);
  // ...but stored as written: an export (a backup) is not filtered.
  std::vector<update> exported;
  server.export_entries("", [&](const update& e) { exported.push_back(e); });
  REQUIRE(exported.size() == 2);
  CHECK(exported[1].path == "users/ada");
  CHECK(exported[1].value.find("password") != std::string::npos);
  CHECK_THROWS_WITH_AS(server.put("locked/a", "1"), "locked paths are read-only",
                       p2p_error);
  server.put("keep/a", "1");
  CHECK_THROWS_AS(server.del("keep/a"), p2p_error);
  CHECK(server.del("users/ada"));
  CHECK_FALSE(server.del("users/ada")); // nothing left to delete
  // Over HTTP: a refusal is 403 with the hook's reason; hidden reads 404.
  auto refused = http_exchange(server.port(),
                               http_request_text("PUT", "/api/locked/b", "2"));
  CHECK(refused.rfind("HTTP/1.1 403", 0) == 0);
  CHECK(refused.find("locked paths are read-only") != std::string::npos);
  auto hidden = http_exchange(server.port(),
                              http_request_text("GET", "/api/secret/plan"));
  CHECK(hidden.rfind("HTTP/1.1 404", 0) == 0);
  auto kept = http_exchange(server.port(),
                            http_request_text("DELETE", "/api/keep/a"));
  CHECK(kept.rfind("HTTP/1.1 403", 0) == 0);
  CHECK(server.get("keep/a") == "1");
  // A hook that throws refuses the write (500) or hides the entry; the
  // node keeps serving.
  CHECK_THROWS_AS(server.put("strict/a", "{}"), p2p_error);
  auto failed = http_exchange(server.port(),
                              http_request_text("PUT", "/api/strict/b", "{}"));
  CHECK(failed.rfind("HTTP/1.1 500", 0) == 0);
  CHECK(failed.find("before_put hook failed") != std::string::npos);
  server.put("strict/c", R"({"name":"ok"})");
  server.put("odd/n", "1");
  CHECK_FALSE(server.get("odd/n"));
  auto odd = http_exchange(server.port(), http_request_text("GET", "/api/odd/n"));
  CHECK(odd.rfind("HTTP/1.1 404", 0) == 0);
  CHECK(server.get("strict/c"));
}

TEST_CASE("hooks: a scan's limit counts the entries the read hook shows") {
  test_dir dir;
  auto opts = options_in(dir);
  // Hides every entry whose number is odd; of "many/", all but every 100th.
  opts.hooks.on_read = [](const std::string& path, boost::json::value&) {
    auto n = std::stoi(path.substr(path.rfind('/') + 1));
    return path.rfind("many/", 0) == 0 ? n % 100 == 0 : n % 2 == 0;
  };
  P2PServer server(opts);
  server.start();
  auto numbered = [](const char* prefix, int i) {
    auto n = std::to_string(i);
    return prefix + std::string(4 - n.size(), '0') + n;
  };
  for (int i = 0; i < 20; ++i)
    server.put(numbered("half/", i), std::to_string(i));
  std::vector<update> many;
  for (int i = 0; i < 1000; ++i)
    many.push_back({numbered("many/", i), "1", hlc_from_ms(1000), "aa"});
  server.import_updates(many);
  auto page = server.scan("half/", 5);
  REQUIRE(page.size() == 5);
  CHECK(page[0].path == "half/0000");
  CHECK(page[4].path == "half/0008");
  CHECK(server.scan("half/", 10).size() == 10);
  CHECK(server.scan("half/", 11).size() == 10); // the prefix ends first
  CHECK(server.scan("half/").size() == 10);
  // Visible entries far apart: found across several pages of reading.
  auto sparse = server.scan("many/", 8);
  REQUIRE(sparse.size() == 8);
  CHECK(sparse[7].path == "many/0700");
  // HTTP and the typed handle read the same way.
  auto http = http_exchange(server.port(),
                            http_request_text("GET", "/api/scan/half?limit=3"));
  CHECK(http.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(http.find("half/0004") != std::string::npos);
  CHECK(http.find("half/0003") == std::string::npos);
  caf::scoped_actor self{server.system()};
  self->request(server.node(), std::chrono::seconds(10), scan_atom::value,
                std::string("many/"), uint64_t{3})
    .receive([&](std::vector<update>& got) { CHECK(got.size() == 3); },
             [&](caf::error& e) { FAIL(caf::to_string(e)); });
}

TEST_CASE("facade: schemas, indexes and queries") {
  test_dir dir;
  auto opts = options_in(dir);
  opts.indexes = {{"people/", "/age"}};
  opts.schemas = {{"people/", R"({"type":"object","required":["age"],
                                  "properties":{"age":{"type":"integer",
                                  "minimum":0}}})"}};
  P2PServer server(opts);
  server.start();
  REQUIRE(server.indexes().size() == 1);
  REQUIRE(server.schemas().size() == 1);
  for (int i = 0; i < 30; ++i)
    server.put("people/p" + std::to_string(i),
               R"({"age":)" + std::to_string(i % 10) + "}");
  try {
    server.put("people/bad", R"({"age":-1.5})");
    FAIL("a value breaking the schema was stored");
  } catch (const p2p_error& e) {
    std::string what = e.what();
    CHECK(what.find("must be an integer") != std::string::npos);
    CHECK(what.find("must be >= 0") != std::string::npos);
  }
  CHECK_FALSE(server.get("people/bad"));
  // Numbers JSON cannot hold are refused before any schema sees them.
  CHECK_THROWS_AS(server.put("people/nan", R"({"age":1e400})"), p2p_error);
  CHECK_FALSE(server.get("people/nan"));
  CHECK_THROWS_AS(server.set_schema("people/", "{\"type\":\"nonsense\"}"),
                  p2p_error);
  field_query q;
  q.prefix = "people/";
  q.field = "/age";
  q.lower = query_bound{"3", true};
  q.upper = query_bound{"5", false};
  q.limit = 4;
  auto page = server.query(q);
  CHECK(page.index);
  REQUIRE(page.results.size() == 4);
  CHECK(page.results[0].path == "people/p13"); // age 3, then by path
  CHECK_FALSE(page.next.empty());
  q.use_index = false;
  auto scanned = server.query(q);
  CHECK_FALSE(scanned.index);
  CHECK(scanned.results == page.results);
  CHECK(scanned.next == page.next);
  auto [def, built] = server.create_index("people/", "/name");
  CHECK(built == 0); // nobody has a name
  CHECK(server.drop_index("people/", "/name"));
  q.equals = "\"x\"";
  CHECK_THROWS_AS(server.query(q), p2p_error); // equality and a range
}

TEST_CASE("facade: an import merges by last-write-wins") {
  test_dir dir;
  P2PServer server(options_in(dir));
  server.start();
  auto newer = server.put("k/a", "\"new\"");
  std::vector<update> backup = {
    {"k/a", "\"old\"", hlc_from_ms(1000), "aa"},
    {"k/b", "[1, 2]", hlc_from_ms(1000), "aa"},
  };
  CHECK(server.import_updates(backup) == 1);
  CHECK(server.get("k/a") == "\"new\"");
  CHECK(server.get("k/b") == "[1,2]");
  CHECK(server.import_updates(backup) == 0); // already there
  CHECK_THROWS_AS(
    server.import_updates({{"k/c", "1", hlc_from_ms(system_wall_ms() + 3600000),
                            "aa"}}),
    p2p_error); // stamped an hour ahead
  CHECK_FALSE(server.get("k/c"));
}

TEST_CASE("facade: values are held to the stored-size limit, as over HTTP") {
  // The facade has no body limit: the value is checked as stored, where
  // every local write is made, so what it stores can cross every link.
  test_dir dir;
  auto options = options_in(dir);
  options.hooks.before_put = [](const std::string& path,
                                boost::json::value& value) {
    if (path == "grows/x") // a hook may make a small value too big
      value = boost::json::value(std::string(max_value_bytes, 'x'));
    return std::string();
  };
  P2PServer server(options);
  server.start();
  CHECK(server.put("n/x", R"({"a":1.5,"c":0.1,"e":-0.0})").value
        == R"({"a":1.5,"c":0.1,"e":0})");
  auto too_big = "\"" + std::string(max_value_bytes, 'x') + "\"";
  auto refused = [&](const std::string& path, const std::string& json) {
    try {
      server.put(path, json);
    } catch (const p2p_error& e) {
      return std::string(e.what()).find("over the limit") != std::string::npos;
    }
    return false;
  };
  CHECK(refused("big/x", too_big));
  CHECK_FALSE(server.get("big/x"));
  CHECK(refused("grows/x", "1"));
  CHECK_FALSE(server.get("grows/x"));
  CHECK_THROWS_AS(
    server.import_updates({{"big/y", too_big, hlc_from_ms(1000), "aa"}}),
    p2p_error);
  CHECK_FALSE(server.get("big/y"));
  // Just at the limit is fine.
  auto at_limit = "\"" + std::string(max_value_bytes - 2, 'x') + "\"";
  CHECK(server.put("big/z", at_limit).value == at_limit);
}
