#include "protocol/cors.hpp"

#include <doctest/doctest.h>

using namespace p2p;

TEST_CASE("--cors-origin values") {
  for (const char* ok : {"*", "http://app.example", "https://app.example:8443",
                         "http://[::1]:3000", "HTTPS://App.Example"})
    CHECK_MESSAGE(cors_origin_error(ok).empty(), ok);
  for (const char* bad : {"", "app.example", "ftp://app.example", "http://",
                          "http://app.example/", "http://app.example/x",
                          "http://user@app.example", "http://a.example?x",
                          "http://a b", "null", "https://app.example:443",
                          "http://app.example:80"})
    CHECK_MESSAGE(!cors_origin_error(bad).empty(), bad);
}

TEST_CASE("the list as the launcher checks it names the flag") {
  CHECK(cors_origins_error({}, true).empty());
  CHECK(cors_origins_error({"*"}, false).empty());
  CHECK(cors_origins_error({"https://a.example"}, true).empty());
  auto star = cors_origins_error({"https://a.example", "*"}, true);
  CHECK(star.find("--cors-origin") != std::string::npos);
  auto bad = cors_origins_error({"a.example"}, false);
  CHECK(bad.find("--cors-origin a.example") != std::string::npos);
}

TEST_CASE("which origin an answer names") {
  std::vector<std::string> list{"https://a.example", "http://b.example:8080"};
  CHECK(cors_allowed_origin(list, "https://a.example") == "https://a.example");
  CHECK(cors_allowed_origin(list, "HTTPS://A.example") == "HTTPS://A.example");
  CHECK(cors_allowed_origin(list, "http://b.example:8080")
        == "http://b.example:8080");
  CHECK(cors_allowed_origin(list, "http://b.example").empty());
  CHECK(cors_allowed_origin(list, "https://evil.example").empty());
  CHECK(cors_allowed_origin(list, "").empty());
  CHECK(cors_allowed_origin({}, "https://a.example").empty());
  CHECK(cors_allowed_origin({"*"}, "https://any.example") == "*");
  CHECK(cors_allowed_origin({"*"}, "").empty());
}
