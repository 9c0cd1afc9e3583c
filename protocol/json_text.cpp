#include "protocol/json_text.hpp"

#include "protocol/json_parse.hpp"
#include "protocol/json_writer.hpp"
#include "p2psync/limits.hpp"

#include <boost/json/value.hpp>

#include <charconv>
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
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
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

std::optional<uint64_t> json_u64_or_string(const boost::json::value& v) {
  if (!v.is_string())
    return json_u64(v);
  auto s = v.get_string();
  // Digits only, as this node writes them: no sign, space or leading zero.
  if (s.empty() || (s.size() > 1 && s[0] == '0'))
    return std::nullopt;
  uint64_t x = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
  if (ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return x;
}

void append_json_string_array(std::string& out,
                              const std::vector<std::string>& items) {
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0)
      out += ',';
    append_json_string(out, items[i]);
  }
  out += ']';
}

void append_u64_string(std::string& out, uint64_t x) {
  out += '"';
  out += std::to_string(x);
  out += '"';
}

std::string json_error(std::string_view message) {
  std::string out = "{\"error\":";
  append_json_string(out, message);
  out += '}';
  return out;
}

namespace {

// Depth is bounded by the parser (32 levels by default).
bool all_finite(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::double_:
      return std::isfinite(v.get_double());
    case boost::json::kind::array:
      for (const auto& x : v.get_array())
        if (!all_finite(x))
          return false;
      return true;
    case boost::json::kind::object:
      for (const auto& kv : v.get_object())
        if (!all_finite(kv.value()))
          return false;
      return true;
    default:
      return true;
  }
}

} // namespace

std::string canonical_json(const boost::json::value& v, std::string& error) {
  if (!all_finite(v)) {
    error = "a number is out of range";
    return {};
  }
  // A fixpoint: the writer gives each double its shortest round-trip
  // digits and parse_json reads them back exactly, so every node that
  // re-parses the text stores the same bytes. (Boost 1.81's own parser is
  // not exact; it once took a loop here, found by fuzzing the wire decoder.)
  return json_text(v);
}

std::string canonical_json(std::string_view text, std::string& error) {
  boost::json::error_code ec;
  auto value = parse_json(text, ec);
  if (ec) {
    error = "body is not valid JSON: " + ec.message();
    return {};
  }
  return canonical_json(value, error);
}

std::string value_size_error(std::size_t stored_bytes) {
  if (stored_bytes <= max_value_bytes)
    return {};
  return "the value is " + std::to_string(stored_bytes)
         + " bytes as stored (compact JSON), over the limit of "
         + std::to_string(max_value_bytes) + " bytes";
}

namespace {

std::string within_value_limit(std::string text, std::string& error) {
  if (auto why = value_size_error(text.size()); !why.empty()) {
    error = std::move(why);
    return {};
  }
  return text;
}

} // namespace

std::string canonical_value(const boost::json::value& v, std::string& error) {
  return within_value_limit(canonical_json(v, error), error);
}

std::string canonical_value(std::string_view text, std::string& error) {
  return within_value_limit(canonical_json(text, error), error);
}

} // namespace p2p
