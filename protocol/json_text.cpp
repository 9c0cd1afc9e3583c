#include "protocol/json_text.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cmath>

namespace p2p {

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

std::optional<uint64_t> json_u64(const boost::json::value& v) {
  if (v.is_uint64())
    return v.get_uint64();
  if (v.is_int64() && v.get_int64() >= 0)
    return static_cast<uint64_t>(v.get_int64());
  return std::nullopt;
}

std::string json_error(std::string_view message) {
  std::string out = "{\"error\":";
  append_json_string(out, message);
  out += '}';
  return out;
}

namespace {

struct number_scan {
  bool has_double = false;
  bool all_finite = true;
};

// Depth is bounded by the parser (32 levels by default).
void scan_numbers(const boost::json::value& v, number_scan& out) {
  switch (v.kind()) {
    case boost::json::kind::double_:
      out.has_double = true;
      out.all_finite = out.all_finite && std::isfinite(v.get_double());
      return;
    case boost::json::kind::array:
      for (const auto& x : v.get_array())
        scan_numbers(x, out);
      return;
    case boost::json::kind::object:
      for (const auto& kv : v.get_object())
        scan_numbers(kv.value(), out);
      return;
    default:
      return;
  }
}

} // namespace

std::string canonical_json(const boost::json::value& v, std::string& error) {
  number_scan numbers;
  scan_numbers(v, numbers);
  if (!numbers.all_finite) {
    error = "a number is out of range";
    return {};
  }
  auto text = boost::json::serialize(v);
  if (!numbers.has_double)
    return text;
  // Boost.JSON 1.81 does not always parse a long decimal to the nearest
  // double, so text -> value -> text can change in the last digit. Settle on
  // a fixpoint, so that every node that re-parses the value stores the
  // same bytes (found by fuzzing the wire decoder).
  for (int round = 0; round < 4; ++round) {
    boost::json::error_code ec;
    auto again = boost::json::serialize(boost::json::parse(text, ec));
    if (!ec && again == text)
      return text;
    text = std::move(again);
  }
  error = "a number cannot be represented stably";
  return {};
}

std::string canonical_json(std::string_view text, std::string& error) {
  boost::json::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec) {
    error = "body is not valid JSON: " + ec.message();
    return {};
  }
  return canonical_json(value, error);
}

} // namespace p2p
