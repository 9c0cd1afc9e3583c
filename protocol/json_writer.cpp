#include "protocol/json_writer.hpp"

#include "protocol/json_text.hpp"

#include <boost/json/value.hpp>

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace p2p {

namespace {

template <class Integer>
void append_integer(std::string& out, Integer i) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, i);
  out.append(buf, res.ptr);
}

// Number::toString (ECMA-262, 6.1.6.1.20) for a positive finite x, given its
// shortest digits `s` (k of them) and n such that x = 0.s * 10^n.
void append_positive(std::string& out, std::string_view s, int n) {
  int k = static_cast<int>(s.size());
  if (k <= n && n <= 21) { // an integer: digits, then zeros
    out.append(s);
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) { // the point falls inside the digits
    out.append(s.substr(0, n));
    out += '.';
    out.append(s.substr(n));
  } else if (-6 < n && n <= 0) { // a small fraction: 0.000ddd
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out.append(s);
  } else { // exponent form: d.ddde+x or de-x
    out += s[0];
    if (k > 1) {
      out += '.';
      out.append(s.substr(1));
    }
    out += n - 1 >= 0 ? "e+" : "e-";
    append_integer(out, std::abs(n - 1));
  }
}

} // namespace

void append_json_number(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  if (d == 0) { // +0 and -0 alike
    out += '0';
    return;
  }
  if (d < 0) {
    out += '-';
    d = -d;
  }
  // Scientific with no precision: the shortest digits that read back as
  // `d` (closest to it when several), as d[.ddd]e(+|-)xx.
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, d,
                           std::chars_format::scientific);
  std::string_view sci(buf, static_cast<std::size_t>(res.ptr - buf));
  auto e = sci.find('e');
  int exponent = 0;
  std::from_chars(sci.data() + e + (sci[e + 1] == '+' ? 2 : 1),
                  sci.data() + sci.size(), exponent);
  char digits[20]; // at most 17 significant digits
  std::size_t k = 0;
  for (char c : sci.substr(0, e))
    if (c != '.')
      digits[k++] = c;
  append_positive(out, std::string_view(digits, k), exponent + 1);
}

void append_json_value(std::string& out, const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null: out += "null"; return;
    case boost::json::kind::bool_: out += v.get_bool() ? "true" : "false"; return;
    case boost::json::kind::int64: append_integer(out, v.get_int64()); return;
    case boost::json::kind::uint64: append_integer(out, v.get_uint64()); return;
    case boost::json::kind::double_: append_json_number(out, v.get_double()); return;
    case boost::json::kind::string: append_json_string(out, v.get_string()); return;
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& x : v.get_array()) {
        if (!first)
          out += ',';
        first = false;
        append_json_value(out, x);
      }
      out += ']';
      return;
    }
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first)
          out += ',';
        first = false;
        append_json_string(out, kv.key());
        out += ':';
        append_json_value(out, kv.value());
      }
      out += '}';
      return;
    }
  }
}

std::string json_text(const boost::json::value& v) {
  std::string out;
  append_json_value(out, v);
  return out;
}

} // namespace p2p
