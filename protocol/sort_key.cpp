#include "protocol/sort_key.hpp"

#include "protocol/json_number.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <cstring>

namespace p2p {

namespace {

double number_of(const boost::json::value& v) {
  if (v.is_int64())
    return static_cast<double>(v.get_int64());
  if (v.is_uint64())
    return static_cast<double>(v.get_uint64());
  return v.get_double();
}

// IEEE doubles as big-endian bytes that sort numerically: flip the sign bit
// of positives, every bit of negatives.
void append_number(std::string& out, double d) {
  if (d == 0)
    d = 0; // -0 and 0 are one value
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  bits = (bits >> 63) ? ~bits : bits | (uint64_t{1} << 63);
  for (int shift = 56; shift >= 0; shift -= 8)
    out += static_cast<char>((bits >> shift) & 0xFF);
}

/// Appends the key bytes of `s`; false when it had to be cut.
bool append_string(std::string& out, std::string_view s) {
  std::size_t used = 0;
  bool whole = true;
  for (char c : s) {
    std::size_t need = c == '\0' ? 2 : 1;
    if (used + need > max_string_key_bytes) {
      whole = false;
      break;
    }
    used += need;
    out += c;
    if (c == '\0')
      out += '\xFF';
  }
  out += '\0';
  out += '\0';
  return whole;
}

int kind_rank(const boost::json::value& v) {
  if (v.is_null())
    return 0;
  if (v.is_bool())
    return v.get_bool() ? 2 : 1;
  if (v.is_number())
    return 3;
  return 4;
}

} // namespace

bool sort_key_is_whole(const boost::json::value& v) {
  if (v.is_int64() || v.is_uint64()) { // beyond 2^53 a double rounds it
    constexpr uint64_t exact = uint64_t{1} << 53;
    return v.is_int64() ? (v.get_int64() <= int64_t(exact)
                           && v.get_int64() >= -int64_t(exact))
                        : v.get_uint64() <= exact;
  }
  if (!v.is_string())
    return true;
  std::string scratch;
  const auto& s = v.get_string();
  return append_string(scratch, std::string_view(s.data(), s.size()));
}

bool is_scalar(const boost::json::value& v) {
  return !v.is_object() && !v.is_array();
}

std::optional<std::string> sort_key(const boost::json::value& v) {
  std::string out;
  switch (v.kind()) {
    case boost::json::kind::null:
      out += static_cast<char>(key_tag::null);
      return out;
    case boost::json::kind::bool_:
      out += static_cast<char>(v.get_bool() ? key_tag::true_ : key_tag::false_);
      return out;
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      out += static_cast<char>(key_tag::number);
      append_number(out, number_of(v));
      return out;
    case boost::json::kind::string: {
      const auto& s = v.get_string();
      out.reserve(s.size() + 3);
      out += static_cast<char>(key_tag::string);
      append_string(out, std::string_view(s.data(), s.size()));
      return out;
    }
    default:
      return std::nullopt;
  }
}

std::size_t sort_key_length(std::string_view bytes) {
  if (bytes.empty())
    return 0;
  switch (static_cast<key_tag>(bytes[0])) {
    case key_tag::null:
    case key_tag::false_:
    case key_tag::true_:
      return 1;
    case key_tag::number:
      return bytes.size() >= 9 ? 9 : 0;
    case key_tag::string:
      for (std::size_t i = 1; i + 1 < bytes.size(); ++i) {
        if (bytes[i] != '\0')
          continue;
        if (bytes[i + 1] == '\0')
          return i + 2;
        if (bytes[i + 1] != '\xFF')
          return 0;
        ++i; // an escaped 00
      }
      return 0;
    default:
      return 0;
  }
}

int compare_scalars(const boost::json::value& a, const boost::json::value& b) {
  int ra = kind_rank(a);
  int rb = kind_rank(b);
  if (ra != rb)
    return ra < rb ? -1 : 1;
  if (ra == 3)
    return compare_json_numbers(a, b);
  if (ra == 4) {
    const auto& x = a.get_string();
    const auto& y = b.get_string();
    int c = std::string_view(x.data(), x.size())
              .compare(std::string_view(y.data(), y.size()));
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return 0;
}

} // namespace p2p
