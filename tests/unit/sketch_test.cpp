#include "protocol/sketch.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>

using namespace p2p;

TEST_CASE("sketch: the difference of two large sets decodes") {
  std::mt19937_64 rng(7);
  sketch a, b;
  std::vector<uint64_t> only_a, only_b;
  for (int i = 0; i < 100000; ++i) { // shared
    auto x = rng();
    a.add(x);
    b.add(x);
  }
  for (int i = 0; i < 100; ++i) {
    only_a.push_back(rng());
    a.add(only_a.back());
    only_b.push_back(rng());
    b.add(only_b.back());
  }
  auto sent = sketch::from_text(b.to_text()); // as it crosses the wire
  REQUIRE(sent);
  a.subtract(*sent);
  std::vector<uint64_t> mine, theirs;
  REQUIRE(a.decode(mine, theirs));
  std::sort(mine.begin(), mine.end());
  std::sort(theirs.begin(), theirs.end());
  std::sort(only_a.begin(), only_a.end());
  std::sort(only_b.begin(), only_b.end());
  CHECK(mine == only_a);
  CHECK(theirs == only_b);
}

TEST_CASE("sketch: too large a difference says so") {
  sketch a, b;
  for (uint64_t i = 0; i < 5000; ++i)
    a.add(i * 7919 + 1);
  a.subtract(b);
  std::vector<uint64_t> mine, theirs;
  CHECK_FALSE(a.decode(mine, theirs));
}

TEST_CASE("sketch: text form is checked") {
  CHECK_FALSE(sketch::from_text(""));
  CHECK_FALSE(sketch::from_text("abc"));
  CHECK_FALSE(sketch::from_text(std::string(16 * 3, '*')));
  CHECK(sketch::from_text(sketch(30).to_text())->cells() == 30);
  CHECK(sketch(31).cells() == 33);
  CHECK(record_element("a", 1, "x") != record_element("a", 2, "x"));
  CHECK(record_element("ab", 1, "x") != record_element("a", 1, "bx"));
}

TEST_CASE("sketch: a forged cell cannot make decoding loop") {
  // A "pure-looking" cell (count 1, key K, the check of K) moved to a spot
  // K does not hash to: decode must end, and say it failed.
  sketch honest(30);
  honest.add(1234);
  auto text = honest.to_text();
  auto empty = sketch(30).to_text();
  constexpr std::size_t cell_chars = 16; // 12 bytes of base64 per cell
  std::size_t pure = text.size();
  for (std::size_t at = 0; at < text.size(); at += cell_chars)
    if (text.compare(at, cell_chars, empty, at, cell_chars) != 0) {
      pure = at;
      break;
    }
  REQUIRE(pure < text.size());
  // Into an empty sketch, one cell over (the same third, another index).
  auto moved = pure + cell_chars < text.size() ? pure + cell_chars
                                               : pure - cell_chars;
  std::string forged_text = empty;
  forged_text.replace(moved, cell_chars, text, pure, cell_chars);
  auto forged = sketch::from_text(forged_text);
  REQUIRE(forged);
  std::vector<uint64_t> mine, theirs;
  CHECK_FALSE(forged->decode(mine, theirs));
  CHECK(mine.empty());
}
