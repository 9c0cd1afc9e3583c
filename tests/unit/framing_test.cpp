#include "actors/http/framing.hpp"

#include <doctest/doctest.h>

using namespace p2p;

namespace {

unsigned status_of(std::optional<std::string_view> te, bool content_length,
                   bool http_1_0 = false) {
  auto refusal = check_framing(te, content_length, http_1_0);
  return refusal ? refusal->status : 0;
}

} // namespace

TEST_CASE("framing: what is read unambiguously goes ahead") {
  CHECK(status_of(std::nullopt, false) == 0);
  CHECK(status_of(std::nullopt, true) == 0);
  CHECK(status_of(std::nullopt, true, true) == 0);
  CHECK(status_of("chunked", false) == 0);
  CHECK(status_of("Chunked", false) == 0);
  CHECK(status_of(" chunked ", false) == 0);
  CHECK(status_of(",chunked,", false) == 0); // empty list elements
}

TEST_CASE("framing: smuggling shapes and unknown codings are refused") {
  struct row {
    std::string_view te;
    bool content_length;
    bool http_1_0;
    unsigned status;
  };
  const row rows[] = {
    {"xchunked", true, false, 400},  // the case
    {"xchunked", false, false, 400}, // chunked not final: length unknown
    {"chunked", true, false, 400},   // both: always refused, and closed
    {"chunked", false, true, 400},   // HTTP/1.0 has no transfer codings
    {"chunked, gzip", false, false, 400},
    {"chunked;x=1", false, false, 400},
    {"chunked,chunked", false, false, 400},
    {"", false, false, 400},
    {"identity", false, false, 400},
    {"gzip, chunked", false, false, 501},
    {"gzip,chunked", false, false, 501},
  };
  for (const auto& r : rows) {
    CAPTURE(r.te);
    CAPTURE(r.content_length);
    auto refusal = check_framing(r.te, r.content_length, r.http_1_0);
    REQUIRE(refusal);
    CHECK(refusal->status == r.status);
    CHECK_FALSE(refusal->message.empty());
  }
}
