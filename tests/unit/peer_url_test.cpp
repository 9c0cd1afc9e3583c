#include "protocol/peer_url.hpp"

#include <doctest/doctest.h>

using namespace p2p;

TEST_CASE("peer URLs that dial") {
  struct row {
    const char* text;
    bool tls;
    const char* host;
    uint16_t port;
    const char* canonical;
  };
  const row rows[] = {
    {"http://127.0.0.1:3101", false, "127.0.0.1", 3101,
     "http://127.0.0.1:3101"},
    {"http://[::1]:3101", false, "::1", 3101, "http://[::1]:3101"},
    {"http://[::1]:3101/", false, "::1", 3101, "http://[::1]:3101"},
    {"https://node-2.example.org:443", true, "node-2.example.org", 443,
     "https://node-2.example.org:443"},
    {"HTTPS://Peer:8443", true, "Peer", 8443, "https://Peer:8443"},
    {"ws://localhost:1", false, "localhost", 1, "http://localhost:1"},
    {"wss://h_1:65535", true, "h_1", 65535, "https://h_1:65535"},
    {"http://[2001:db8::7]:80", false, "2001:db8::7", 80,
     "http://[2001:db8::7]:80"},
  };
  for (const auto& r : rows) {
    std::string text = r.text;
    CAPTURE(text);
    auto parsed = parse_peer_url(r.text);
    REQUIRE_MESSAGE(parsed.url, parsed.error);
    CHECK(parsed.url->tls == r.tls);
    CHECK(parsed.url->host == r.host);
    CHECK(parsed.url->port == r.port);
    CHECK(parsed.url->text() == r.canonical);
    // The canonical form reads back as itself.
    CHECK(parse_peer_url(parsed.url->text()).url->text() == r.canonical);
  }
}

TEST_CASE("peer URLs refused, each with its reason") {
  struct row {
    const char* text;
    const char* says;
  };
  const row rows[] = {
    {"http://localhost", "no port"},
    {"http://localhost:", "no port"},
    {"http://[::1]", "no port"},
    {"http://h:0", "port"},
    {"http://h:65536", "port"},
    {"http://h:99999999999", "port"},
    {"http://h:-1", "port"},
    {"ftp://h:21", "scheme"},
    {"file:///etc/passwd", "scheme"},
    {"h:1", "scheme"},
    {"localhost:3000", "scheme"},
    {"http:h:1", "no host"},
    {"http://:1", "no host"},
    {"http://u:p@h:1", "user"},
    {"http://u@h:1", "user"},
    {"http://h:1/p2p", "path"},
    {"http://h:1//", "path"},
    {"http://h:1?x=1", "query"},
    {"http://h:1#f", "fragment"},
    {"http://h%41:1", "host"},
    {"http://a..b:1", "host"},
    {"http://-a:1", "host"},
    {"http://a!b:1", "host"},
    {"http://[v1.x]:1", "host"},
    {"http://::1:3101", "brackets"},
    {"http://[::1:3101", "URL"},
    {"http://h :1", "URL"},
    {"", "URL"},
  };
  std::string long_name = "http://" + std::string(254, 'a') + ":1";
  for (const auto& r : rows) {
    std::string text = r.text;
    CAPTURE(text);
    auto parsed = parse_peer_url(r.text);
    CHECK_FALSE(parsed.url);
    CAPTURE(parsed.error);
    CHECK(parsed.error.find(r.says) != std::string::npos);
  }
  CHECK(parse_peer_url(long_name).error.find("host") != std::string::npos);
  CHECK(parse_peer_url("http://" + std::string(253, 'a') + ":1").url);
}

TEST_CASE("host_port brackets IPv6 only") {
  CHECK(host_port("::1", 3112) == "[::1]:3112");
  CHECK(host_port("fe80::1", 1) == "[fe80::1]:1");
  CHECK(host_port("127.0.0.1", 3112) == "127.0.0.1:3112");
  CHECK(host_port("localhost", 80) == "localhost:80");
}
