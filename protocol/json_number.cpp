#include "protocol/json_number.hpp"

#include <boost/json/value.hpp>

#include <cmath>
#include <cstdint>

namespace p2p {

namespace json = boost::json;

namespace {

// An int64 or uint64 as sign and magnitude, so both compare exactly.
struct integer_parts {
  bool negative;
  std::uint64_t magnitude;
};

integer_parts parts_of(const json::value& v) {
  if (v.is_uint64())
    return {false, v.get_uint64()};
  auto i = v.get_int64();
  if (i >= 0)
    return {false, static_cast<std::uint64_t>(i)};
  return {true, static_cast<std::uint64_t>(-(i + 1)) + 1}; // INT64_MIN safe
}

int compare_parts(integer_parts a, integer_parts b) {
  if (a.negative != b.negative)
    return a.negative ? -1 : 1;
  if (a.magnitude == b.magnitude)
    return 0;
  return (a.magnitude < b.magnitude) != a.negative ? -1 : 1;
}

// Exact: never rounds a big integer to a double.
int compare_double_integer(double d, integer_parts i) {
  if (std::isnan(d)) // callers pass finite numbers; never undefined anyway
    return 0;
  if (d >= 0x1p64) // beyond every uint64 (or +inf)
    return 1;
  if (d <= -0x1p64) // beyond every int64 (or -inf)
    return -1;
  double whole = std::trunc(d);
  auto magnitude = static_cast<std::uint64_t>(std::fabs(whole)); // exact
  if (int c = compare_parts({whole < 0, magnitude}, i))
    return c;
  return d > whole ? 1 : d < whole ? -1 : 0; // the fraction decides
}

// Sign of a - b for two JSON numbers. Boost.JSON 1.81 reads 0e400 as NaN:
// callers refuse non-finite numbers first (canonical_json does).
} // namespace

int compare_json_numbers(const json::value& a, const json::value& b) {
  if (a.is_double() && b.is_double()) {
    double x = a.get_double(), y = b.get_double();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.is_double())
    return compare_double_integer(a.get_double(), parts_of(b));
  if (b.is_double())
    return -compare_double_integer(b.get_double(), parts_of(a));
  return compare_parts(parts_of(a), parts_of(b));
}

} // namespace p2p
