// Numbers leave the node as JavaScript writes them (issue 11): expected
// strings below are JSON.stringify's, generated with node.
#include "protocol/json_parse.hpp"
#include "protocol/json_text.hpp"
#include "protocol/json_writer.hpp"
#include "p2psync/limits.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <doctest/doctest.h>

#include <charconv>
#include <cstring>
#include <random>

using namespace p2p;

namespace {

double read_double(std::string_view text) { // exact, unlike Boost 1.81
  double d = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  REQUIRE(ec == std::errc{});
  REQUIRE(end == text.data() + text.size());
  return d;
}

double from_bits(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

std::string written(double d) {
  std::string out;
  append_json_number(out, d);
  return out;
}

} // namespace

TEST_CASE("json writer: doubles as ECMAScript's Number::toString") {
  // {JSON text a client sends, what JSON.stringify(JSON.parse(it)) gives}
  const std::pair<const char*, const char*> table[] = {
    {"1.5", "1.5"}, {"0.1", "0.1"}, {"-0.0", "0"}, {"0", "0"},
    {"1e300", "1e+300"}, {"1e21", "1e+21"}, {"1e20", "100000000000000000000"},
    {"123e-20", "1.23e-18"}, {"1e-7", "1e-7"}, {"1e-6", "0.000001"},
    {"0.000001234", "0.000001234"}, {"5e-324", "5e-324"},
    {"1.7976931348623157e308", "1.7976931348623157e+308"},
    {"2.2250738585072014e-308", "2.2250738585072014e-308"},
    {"123456789012345680000", "123456789012345680000"},
    {"0.30000000000000004", "0.30000000000000004"}, {"-1.5", "-1.5"},
    {"1.0", "1"}, {"12345.6789", "12345.6789"},
    {"9007199254740993.0", "9007199254740992"}, {"1e-5", "0.00001"},
    {"-1e-7", "-1e-7"}, {"4.35", "4.35"},
    {"1.23456789012345e-10", "1.23456789012345e-10"},
    {"6.02214076e23", "6.02214076e+23"}, {"1e16", "10000000000000000"},
    {"1.1e21", "1.1e+21"}, {"999999999999999999999", "1e+21"},
    {"2e-7", "2e-7"}, {"-2.5e+25", "-2.5e+25"}, {"25e-1", "2.5"},
  };
  for (auto [in, want] : table) {
    CAPTURE(in);
    CHECK(written(read_double(in)) == want);
  }
}

TEST_CASE("json writer: random doubles as JavaScript writes them") {
  // Bit patterns from a seeded generator, and values around the places
  // where the notation changes (1e-7, 1e-6, 1e21), with node's output.
  const std::pair<uint64_t, const char*> table[] = {
    {0xdc1b77ae0bf34dadULL, "-4.9911105725155504e+135"},
    {0x64f0eeb9026e6076ULL, "1.715373926431966e+178"},
    {0x7b07ce91e5906136ULL, "4.4251604027143375e+284"},
    {0x305f050c368dcc74ULL, "1.0715660391465826e-75"},
    {0x2ceb16e0a1c54aecULL, "2.5973481493288907e-92"},
    {0x97101dce4e7bfb79ULL, "-1.3475090132806154e-197"},
    {0x9ad2e144d6e8f2cfULL, "-1.81996730402717e-179"},
    {0xd9aa792e1af470eaULL, "-8.750186241947517e+123"},
    {0xddaa4e85b0d6e28bULL, "-1.603964615428183e+143"},
    {0x8f8ea9d349428d8eULL, "-9.643915712060552e-234"},
    {0x08f474ffb8e8ab15ULL, "1.5860846119992697e-265"},
    {0x2ead854756d71f03ULL, "7.597954524892738e-84"},
    {0x55bc79f8ada711fdULL, "1.0204796945730538e+105"},
    {0x0e1fc49bd63b809eULL, "1.1910593176322935e-240"},
    {0xb92199e83f5a101fULL, "-1.694933913128696e-33"},
    {0xc5765079fc5d43ffULL, "-4.3162252145519944e+26"},
    {0x353cfc387dfae6b8ULL, "3.0261999441573203e-52"},
    {0xa32edabf5585bd75ULL, "-3.238696681491661e-139"},
    {0xfc5639b16b714b4fULL, "-8.663725837306241e+290"},
    {0x92fb2dcfc8ae9a19ULL, "-3.0797526843217145e-217"},
    {0x544b0ec76d00616dULL, "1.15589923121874e+98"},
    {0xbcbb9b7e9a319aefULL, "-3.831296467316889e-16"},
    {0x0f1a50d59c0aa21aULL, "6.466053826432699e-236"},
    {0x80ae2120826571deULL, "-2.1452846540129615e-305"},
    {0x3e4914ce022446e6ULL, "1.167937574824437e-8"},
    {0x3e82b6c6c67a9d7fULL, "1.3942994602399037e-7"},
    {0x3eb525e6bfc496eeULL, "0.000001260522139176345"},
    {0x3ef2460eb8fb5087ULL, "0.000017427122258010144"},
    {0x3fc0dbe360560100ULL, "0.1317104549780268"},
    {0x3ff0cc0d57e1bcbaULL, "1.049817412651278"},
    {0x403135ed1e79e244ULL, "17.21064939952545"},
    {0x430f85a818032b9eULL, "1109085160236403.8"},
    {0x434ebb8a9023822dULL, "17300906198893658"},
    {0x4423432af3e47c06ULL, "177664043156351680000"},
    {0x4452fb8cfeff254dULL, "1.400670145195309e+21"},
    {0x448f5206d0e2bad3ULL, "1.8488310640581825e+22"},
  };
  for (auto [bits, want] : table) {
    CAPTURE(want);
    CHECK(written(from_bits(bits)) == want);
  }
}

TEST_CASE("json writer: every finite double reads back exactly") {
  std::mt19937_64 random(11);
  int checked = 0;
  for (int i = 0; i < 200000; ++i) {
    double d = from_bits(random());
    if (!std::isfinite(d))
      continue;
    ++checked;
    auto text = written(d);
    double back = read_double(text);
    if (back != d || text.find('E') != std::string::npos) {
      CAPTURE(text);
      FAIL("does not read back as written");
    }
  }
  CHECK(checked > 190000);
  CHECK(written(std::numeric_limits<double>::infinity()) == "null");
}

TEST_CASE("json writer: documents as JSON.stringify writes them") {
  auto text = [](std::string_view json) {
    return json_text(boost::json::parse(json));
  };
  // The issue's example.
  CHECK(text(R"({"a":1.5,"c":0.1,"e":-0.0})") == R"({"a":1.5,"c":0.1,"e":0})");
  // Integers that arrive as integers stay exact, beyond 2^53 too.
  CHECK(text("[9007199254740993,18446744073709551615,-9223372036854775808,-0]")
        == "[9007199254740993,18446744073709551615,-9223372036854775808,0]");
  CHECK(text(R"({"s":"\b\f\n\r\t\u0001\"\\\/é","t":true,"n":null,"x":[]})")
        == "{\"s\":\"\\b\\f\\n\\r\\t\\u0001\\\"\\\\/\xC3\xA9\",\"t\":true,"
           "\"n\":null,\"x\":[]}");
}

TEST_CASE("canonical JSON: stored as JavaScript writes it, read exactly") {
  std::string err;
  CHECK(canonical_json(std::string_view(R"({"a":1.5,"c":0.1,"e":-0.0,"f":1e300})"), err)
        == R"({"a":1.5,"c":0.1,"e":0,"f":1e+300})");
  // Boost 1.81's parser reads about one in ten of Math.random()'s outputs
  // one ulp off, and 4% of all doubles never settled; parse_json reads the
  // nearest double, so every double comes back as written, and the stored
  // text is a fixpoint: every node that re-parses it stores the same bytes.
  std::mt19937_64 random(53);
  std::uniform_real_distribution<double> unit(0, 1);
  for (int i = 0; i < 40000; ++i) {
    double d = i % 2 ? unit(random) : from_bits(random());
    if (!std::isfinite(d))
      continue;
    auto sent = "[" + written(d) + "]";
    auto once = canonical_json(std::string_view(sent), err);
    if (once != sent) {
      CAPTURE(sent);
      CAPTURE(err);
      FAIL("a double did not come back as written");
    }
  }
  boost::system::error_code ec;
  CHECK(parse_json("2.1546294675920158e-254", ec).as_double()
        == read_double("2.1546294675920158e-254"));
  CHECK(parse_json("[1, 2] x", ec).is_null());
  CHECK(ec);
  CHECK(parse_json("[1, 2", ec).is_null());
  CHECK(ec);
  CHECK(parse_json("[1e400]", ec).at(0).as_double()
        == std::numeric_limits<double>::infinity());
  CHECK(parse_json("-1e-400", ec).as_double() == 0);
  CHECK(parse_json("0e400", ec).as_double() == 0); // Boost 1.81 says NaN
  CHECK(parse_json(R"({"a":[1,-2,18446744073709551615,"s",true,null]})", ec)
        == boost::json::parse(R"({"a":[1,-2,18446744073709551615,"s",true,null]})"));
}

TEST_CASE("canonical value: the size limit is on the stored form") {
  std::string err;
  // Just under the limit in numbers that Boost 1.81 would have written
  // half as long again (1.5 -> 1.5E0): stored as sent.
  std::string body = "[1.5";
  while (body.size() + 5 < max_value_bytes)
    body += ",1.5";
  body += ']';
  auto stored = canonical_value(std::string_view(body), err);
  CHECK(stored == body);
  // A body well under the limit that grows past it when made canonical.
  std::string grows = "[1e20";
  while (grows.size() + 5 < max_value_bytes / 4)
    grows += ",1e20";
  grows += ']';
  err.clear();
  CHECK(canonical_value(std::string_view(grows), err).empty());
  CHECK(err.find("over the limit") != std::string::npos);
  CHECK(value_size_error(max_value_bytes).empty());
  CHECK_FALSE(value_size_error(max_value_bytes + 1).empty());
}

TEST_CASE("big numbers as strings of digits") {
  auto read = [](std::string_view json) {
    return json_u64_or_string(boost::json::parse(json));
  };
  CHECK(read("\"117714745343148032\"") == uint64_t{117714745343148032});
  CHECK(read("117714745343148032") == uint64_t{117714745343148032});
  CHECK(read("\"0\"") == uint64_t{0});
  CHECK(read("\"18446744073709551615\"") == UINT64_MAX);
  for (auto bad : {"\"18446744073709551616\"", "\"\"", "\"01\"", "\"-1\"",
                   "\"+1\"", "\" 1\"", "\"1 \"", "\"1.0\"", "\"0x10\"", "1.5",
                   "-1", "null", "[1]"}) {
    CAPTURE(bad);
    CHECK_FALSE(read(bad));
  }
  std::string out;
  append_u64_string(out, 117714745343148032);
  CHECK(out == "\"117714745343148032\"");
}
