#include "protocol/path.hpp"

#include <doctest/doctest.h>

using p2p::is_under;
using p2p::path_error;
using p2p::prefix_error;

TEST_CASE("valid paths") {
  CHECK(path_error("users/alice").empty());
  CHECK(path_error("a").empty());
  CHECK(path_error("caf\xC3\xA9/na\xC3\xAFve").empty()); // café/naïve
  CHECK(path_error("emoji/\xF0\x9F\x98\x80").empty());    // U+1F600
  CHECK(path_error("a.b/..c/.d").empty()); // dots inside segments are fine
  CHECK(path_error(std::string(400, 'x')).empty());
}

TEST_CASE("path length limits") {
  CHECK_FALSE(path_error("").empty());
  CHECK_FALSE(path_error(std::string(401, 'x')).empty());
  // 400 bytes of two-byte characters is fine, 402 is not.
  std::string two_byte;
  for (int i = 0; i < 200; ++i)
    two_byte += "\xC3\xA9";
  CHECK(path_error(two_byte).empty());
  CHECK_FALSE(path_error(two_byte + "\xC3\xA9").empty());
}

TEST_CASE("bad segments") {
  for (const char* p : {"/a", "a/", "a//b", ".", "..", "a/./b", "a/../b",
                        "../etc", "a/.", "a/.."})
    CHECK_MESSAGE(!path_error(p).empty(), p);
}

TEST_CASE("control characters and broken UTF-8") {
  CHECK_FALSE(path_error(std::string("a\0b", 3)).empty());
  CHECK_FALSE(path_error("a\nb").empty());
  CHECK_FALSE(path_error("a\x01").empty());
  CHECK_FALSE(path_error("a\x7F").empty());
  CHECK_FALSE(path_error("a\xC2\x85").empty()); // U+0085, a C1 control
  CHECK_FALSE(path_error("\xFF\xFE").empty());
  CHECK_FALSE(path_error("\xC3").empty());             // truncated
  CHECK_FALSE(path_error("\xC0\xAF").empty());         // overlong '/'
  CHECK_FALSE(path_error("\xED\xA0\x80").empty());     // surrogate
  CHECK_FALSE(path_error("\xF4\x90\x80\x80").empty()); // above U+10FFFF
}

TEST_CASE("scan prefixes are plain strings") {
  CHECK(prefix_error("").empty());
  CHECK(prefix_error("users/").empty());
  CHECK(prefix_error("us").empty());
  CHECK_FALSE(prefix_error("a\x01").empty());
  CHECK_FALSE(prefix_error(std::string(401, 'x')).empty());
}

TEST_CASE("subscription matching") {
  CHECK(is_under("users", "users"));
  CHECK(is_under("users/alice", "users"));
  CHECK(is_under("users/alice", "users/"));
  CHECK(is_under("users/alice/x", "users"));
  CHECK_FALSE(is_under("users2/x", "users"));
  CHECK_FALSE(is_under("user", "users"));
  CHECK(is_under("anything", ""));
}
