#include "p2psync/log.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

using namespace p2p;

namespace {
// 2026-12-02T17:01:02.345Z
constexpr int64_t when = 1796230862345;
} // namespace

TEST_CASE("log lines: text") {
  auto line = log::format_line(log::format::text, when, log::level::info,
                               "link", "up",
                               {{"remote", "ab12"},
                                {"direction", "outbound"},
                                {"port", 3000},
                                {"reason", "peer said: bye \"now\""},
                                {"empty", ""}});
  CHECK(line
        == "2026-12-02T17:01:02.345Z INFO link: up remote=ab12 "
           "direction=outbound port=3000 reason=\"peer said: bye \\\"now\\\"\" "
           "empty=\"\"\n");
  CHECK(log::format_line(log::format::text, when + 1000 - 345, log::level::warn,
                         "http", "token refused", {})
        == "2026-12-02T17:01:03.000Z WARN http: token refused\n");
}

TEST_CASE("log lines: json parses, numbers stay numbers") {
  auto line = log::format_line(log::format::json, when, log::level::error,
                               "store", "slow \"commit\"",
                               {{"ms", uint64_t{153}}, {"path", "a\nb\x01"}});
  REQUIRE(line.back() == '\n');
  auto v = boost::json::parse(line).as_object();
  CHECK(v.at("time") == "2026-12-02T17:01:02.345Z");
  CHECK(v.at("level") == "error");
  CHECK(v.at("component") == "store");
  CHECK(v.at("msg") == "slow \"commit\"");
  CHECK(v.at("ms").as_int64() == 153);
  CHECK(v.at("path") == "a\nb\x01");
}

TEST_CASE("log levels and formats parse; others are refused") {
  log::level l{};
  CHECK(log::parse_level("debug", l));
  CHECK(l == log::level::debug);
  CHECK(log::parse_level("error", l));
  CHECK(l == log::level::error);
  CHECK_FALSE(log::parse_level("INFO", l));
  CHECK_FALSE(log::parse_level("warning", l));
  log::format f{};
  CHECK(log::parse_format("json", f));
  CHECK(f == log::format::json);
  CHECK_FALSE(log::parse_format("xml", f));
}

TEST_CASE("a rate limiter lets one line through per interval and counts the rest") {
  log::rate_limiter limit(60'000);
  uint64_t suppressed = 99;
  CHECK(limit.allow(suppressed));
  CHECK(suppressed == 0);
  for (int i = 0; i < 5; ++i)
    CHECK_FALSE(limit.allow(suppressed));
  log::rate_limiter zero(0); // every line goes, with the count held back
  CHECK(zero.allow(suppressed));
  CHECK(zero.allow(suppressed));
  CHECK(suppressed == 0);
}
