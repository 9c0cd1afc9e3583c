#include "actors/link/link_log.hpp"
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

namespace {
// Valid UTF-8 (strict: no overlongs, surrogates or cut characters).
bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3
                                 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size() || (n == 2 && c < 0xc2))
      return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80)
        return false;
    auto c1 = static_cast<unsigned char>(s[i + 1 < s.size() ? i + 1 : i]);
    if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f)
        || (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 > 0x8f) || c > 0xf4)
      return false;
    i += n;
  }
  return true;
}
} // namespace

TEST_CASE("log lines: bytes that are not UTF-8 become U+FFFD, in both formats") {
  std::string bad = "/api/\xff\xfe\xc3 \xe2\x82 \xed\xa0\x80 \xc0\xaf ok\xc3\xa9";
  for (auto f : {log::format::json, log::format::text}) {
    auto line = log::format_line(f, when, log::level::warn, "http",
                                 "token \xff refused", {{"target", bad}});
    CHECK(valid_utf8(line));
    CHECK(line.find("ok\xc3\xa9") != std::string::npos); // valid text stays
    CHECK(line.find("\xef\xbf\xbd") != std::string::npos);
    if (f == log::format::json) {
      auto v = boost::json::parse(line).as_object();
      CHECK(std::string(v.at("target").as_string()).rfind("/api/\xef\xbf\xbd\xef\xbf\xbd", 0) == 0);
    }
  }
}

TEST_CASE("log lines: separators, C1 and bidi controls are escaped; one event, one line") {
  const char* nasty[] = {"a\xc2\x85" "b", "a\xe2\x80\xa8" "b", "a\xe2\x80\xa9" "b",
                         "a\xe2\x80\xae" "b", "a\xe2\x81\xa6" "b", "a\x1c" "b",
                         "a\x0b" "b", "a\nINFO link: up remote=x"};
  for (const char* v : nasty) {
    auto text = log::format_line(log::format::text, when, log::level::info,
                                 "link", std::string("m") + v, {{"reason", v}});
    CHECK(valid_utf8(text));
    // No byte of a line break or bidi control left but the final newline.
    for (const char* bad : {"\xc2\x85", "\xe2\x80\xa8", "\xe2\x80\xa9",
                            "\xe2\x80\xae", "\xe2\x81\xa6", "\x1c", "\x0b"})
      CHECK(text.find(bad) == std::string::npos);
    CHECK(text.find('\n') == text.size() - 1);
    CHECK(text.find(" reason=\"a") != std::string::npos); // quoted
    auto json = log::format_line(log::format::json, when, log::level::info,
                                 "link", "m", {{"reason", v}});
    CHECK(json.find('\n') == json.size() - 1);
    CHECK(boost::json::parse(json).as_object().at("reason") == v);
  }
  // Non-ASCII text is quoted in text (a no-break space is not a separator).
  CHECK(log::format_line(log::format::text, when, log::level::info, "c", "m",
                         {{"k", "a\xc2\xa0" "b"}})
        == "2026-12-02T17:01:02.345Z INFO c: m k=\"a\xc2\xa0" "b\"\n");
}

TEST_CASE("utf8_prefix cuts on a character boundary") {
  std::string s = std::string(255, 'a') + "\xc3\xa9zz"; // é at bytes 255-256
  CHECK(log::utf8_prefix(s, 256) == std::string(255, 'a'));
  CHECK(log::utf8_prefix(s, 257) == std::string(255, 'a') + "\xc3\xa9");
  CHECK(log::utf8_prefix("\xf0\x9f\x98\x80", 3).empty());
  CHECK(log::utf8_prefix("abc", 256) == "abc");
  CHECK(log::utf8_prefix("\x80\x80\x80\x80\x80", 4) == "\x80\x80\x80\x80");
}

TEST_CASE("a burst limiter lets a burst through per window and counts the rest") {
  log::burst_limiter limit(10'000, 20);
  uint64_t suppressed = 99;
  for (int i = 0; i < 20; ++i) {
    CHECK(limit.allow_at(1000 + i, suppressed));
    CHECK(suppressed == 0);
  }
  for (int i = 0; i < 500; ++i)
    CHECK_FALSE(limit.allow_at(2000, suppressed));
  CHECK_FALSE(limit.allow_at(10'999, suppressed)); // same window
  CHECK(limit.allow_at(11'000, suppressed));      // the next one
  CHECK(suppressed == 501);
  CHECK(limit.allow_at(11'001, suppressed));
  CHECK(suppressed == 0);
}

TEST_CASE("lines held back are handed over once, when no later line comes") {
  log::burst_limiter limit(10'000, 1);
  uint64_t suppressed = 0;
  CHECK(limit.allow_at(0, suppressed));
  CHECK_FALSE(limit.allow_at(1, suppressed));
  CHECK_FALSE(limit.allow_at(2, suppressed));
  CHECK(limit.take_held() == 2);
  CHECK(limit.take_held() == 0);
  CHECK(limit.allow_at(20'000, suppressed));
  CHECK(suppressed == 0); // reported already: not twice
}

TEST_CASE("a URL that keeps failing is logged 3 times, then once a minute") {
  link_log::dial_quieter q;
  uint64_t failures = 0;
  int64_t t = 1000;
  for (int i = 1; i <= 3; ++i) {
    CHECK(q.failed("http://a:1", t, failures));
    CHECK(failures == uint64_t(i));
    t += 100;
  }
  CHECK(q.failed("http://b:1", t, failures)); // each URL on its own
  int loud = 0;
  for (int i = 0; i < 120; ++i, t += 5000) // ten minutes, every 5 s
    loud += q.failed("http://a:1", t, failures);
  CHECK(loud == 9); // at 61.3 s, 121.3 s, ... 541.3 s
  CHECK(failures == 123);
  q.succeeded("http://a:1"); // its link came up: a new streak
  CHECK(q.failed("http://a:1", t, failures));
  CHECK(failures == 1);
  // A streak long over starts afresh as well.
  CHECK(q.failed("http://b:1", t + link_log::dial_quieter::streak_gap_ms + 1,
                 failures));
  CHECK(failures == 1);
}
