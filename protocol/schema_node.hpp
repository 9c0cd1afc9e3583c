#pragma once
// Internal to the schema validator: the compiled form of a schema, shared by
// schema.cpp (compiling), schema_check.cpp (keyword checks) and
// schema_pattern.cpp (the only file that includes Boost.Regex).
#include "protocol/schema.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace p2p {

namespace schema_detail {

enum type_bit : unsigned {
  null_type = 1,
  boolean_type = 2,
  object_type = 4,
  array_type = 8,
  number_type = 16,
  integer_type = 32,
  string_type = 64,
};

struct compiled_pattern; // opaque: keeps Boost.Regex out of the other files

/// Compiles an ECMAScript `pattern`; nullptr and `error` set when invalid.
std::shared_ptr<const compiled_pattern> compile_pattern(std::string_view source,
                                                        std::string& error);

enum class pattern_result { match, no_match, too_costly };

/// Unanchored search of `text` (UTF-8, matched as code points). Each
/// character the matcher reads costs one unit of `budget`; when it runs out,
/// or Boost.Regex gives up on a pathological pattern, the result is
/// too_costly. A count rather than a clock, so the verdict is the same on
/// every machine.
pattern_result search_pattern(const compiled_pattern& pattern,
                              std::string_view text, std::int64_t& budget);

/// Character reads allowed to all pattern searches of one validate() call:
/// about 0.4 s of backtracking here, and 10 reads per byte of a 1 MiB value
/// (a linear pattern costs 1-5).
inline constexpr std::int64_t pattern_budget = 20'000'000;

/// A number with no fractional part (3.0 is an integer).
bool is_integer(const boost::json::value& v);

/// Appends `/segment` to a JSON pointer, escaping '~' and '/' (RFC 6901).
void append_pointer_segment(std::string& pointer, std::string_view segment);

} // namespace schema_detail

struct schema_node {
  /// Set for the boolean schemas: true accepts anything, false nothing.
  std::optional<bool> fixed;
  std::optional<unsigned> types; // schema_detail::type_bit mask
  std::vector<std::string> required;
  std::map<std::string, std::unique_ptr<schema_node>, std::less<>> properties;
  std::unique_ptr<schema_node> additional_properties;
  std::unique_ptr<schema_node> items;
  // Bounds stay JSON numbers, compared exactly (int64, uint64 or double).
  std::optional<boost::json::value> minimum;
  std::optional<boost::json::value> maximum;
  std::optional<boost::json::value> exclusive_minimum;
  std::optional<boost::json::value> exclusive_maximum;
  std::optional<std::uint64_t> min_length;
  std::optional<std::uint64_t> max_length;
  std::optional<std::uint64_t> min_items;
  std::optional<std::uint64_t> max_items;
  std::optional<boost::json::array> enum_values;
  std::optional<boost::json::value> const_value;
  std::string pattern_source;
  std::shared_ptr<const schema_detail::compiled_pattern> pattern;
};

namespace schema_detail {

struct check_state {
  std::vector<schema_violation> violations;
  std::string where; // JSON pointer of the value being checked
  std::int64_t pattern_budget_left = pattern_budget;
};

/// Appends every violation of `node` by `v` to `state`. Recursion follows
/// the schema, whose nesting compile() bounds.
void check(const schema_node& node, const boost::json::value& v,
           check_state& state);

} // namespace schema_detail

} // namespace p2p
