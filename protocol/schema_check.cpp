// The keyword checks of the schema validator: what validate() runs.
#include "protocol/json_number.hpp"
#include "protocol/json_writer.hpp"
#include "protocol/schema_node.hpp"

#include <cmath>

namespace p2p::schema_detail {

namespace json = boost::json;

namespace {

// JSON equality as JSON Schema defines it for enum and const: numbers by
// value (1 == 1.0), objects regardless of member order.
bool json_equal(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number())
    return compare_json_numbers(a, b) == 0;
  if (a.kind() != b.kind())
    return false;
  switch (a.kind()) {
    case json::kind::string: return a.get_string() == b.get_string();
    case json::kind::bool_: return a.get_bool() == b.get_bool();
    case json::kind::array: {
      const auto &x = a.get_array(), &y = b.get_array();
      if (x.size() != y.size())
        return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!json_equal(x[i], y[i]))
          return false;
      return true;
    }
    case json::kind::object: {
      const auto &x = a.get_object(), &y = b.get_object();
      if (x.size() != y.size())
        return false;
      for (const auto& [key, value] : x) {
        auto other = y.find(key);
        if (other == y.end() || !json_equal(value, other->value()))
          return false;
      }
      return true;
    }
    default: return true; // null
  }
}

bool has_type(unsigned types, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return types & null_type;
    case json::kind::bool_: return types & boolean_type;
    case json::kind::object: return types & object_type;
    case json::kind::array: return types & array_type;
    case json::kind::string: return types & string_type;
    default:
      return (types & number_type) || ((types & integer_type) && is_integer(v));
  }
}

std::string type_message(unsigned types) {
  static constexpr std::pair<unsigned, const char*> names[] = {
      {string_type, "a string"},   {number_type, "a number"},
      {integer_type, "an integer"}, {boolean_type, "a boolean"},
      {object_type, "an object"},  {array_type, "an array"},
      {null_type, "null"}};
  std::string message = "must be ";
  const char* separator = "";
  for (auto [bit, name] : names) {
    if (types & bit) {
      message += separator;
      message += name;
      separator = " or ";
    }
  }
  return message;
}

// JSON text to quote in a message, unless it is too long to be useful.
std::string quoted_or(std::string text, const char* otherwise) {
  return text.size() <= 80 ? text : otherwise;
}

std::string counted(std::uint64_t n, const char* noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

// Exact for valid UTF-8, which parsed JSON text always is.
std::uint64_t count_code_points(std::string_view s) {
  std::uint64_t n = 0;
  for (char c : s)
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

void report(check_state& state, std::string message) {
  state.violations.push_back({state.where, std::move(message)});
}

// Checks `v` as the member or element `segment` of the current value.
void check_child(const schema_node& node, std::string_view segment,
                 const json::value& v, check_state& state) {
  auto saved = state.where.size();
  append_pointer_segment(state.where, segment);
  check(node, v, state);
  state.where.resize(saved);
}

void check_number(const schema_node& node, const json::value& v,
                  check_state& state) {
  auto bound = [&](const std::optional<json::value>& limit, bool passes_if_less,
                   bool passes_if_equal, const char* op) {
    if (!limit)
      return;
    int c = compare_json_numbers(v, *limit);
    bool passes = c == 0 ? passes_if_equal : (c < 0) == passes_if_less;
    if (!passes)
      report(state, std::string("must be ") + op + " " + json_text(*limit));
  };
  bound(node.minimum, false, true, ">=");
  bound(node.maximum, true, true, "<=");
  bound(node.exclusive_minimum, false, false, ">");
  bound(node.exclusive_maximum, true, false, "<");
}

void check_string(const schema_node& node, const json::string& s,
                  check_state& state) {
  std::string_view text(s.data(), s.size());
  if (node.min_length || node.max_length) {
    auto length = count_code_points(text);
    if (node.min_length && length < *node.min_length)
      report(state, "must be at least " +
                        counted(*node.min_length, "character") + " long");
    if (node.max_length && length > *node.max_length)
      report(state, "must be at most " +
                        counted(*node.max_length, "character") + " long");
  }
  if (!node.pattern)
    return;
  switch (search_pattern(*node.pattern, text, state.pattern_budget_left)) {
    case pattern_result::match: return;
    case pattern_result::no_match:
      report(state, "must match " + node.pattern_source);
      return;
    case pattern_result::too_costly:
      report(state, "is too costly to match against " + node.pattern_source);
      return;
  }
}

void check_array(const schema_node& node, const json::array& a,
                 check_state& state) {
  if (node.min_items && a.size() < *node.min_items)
    report(state, "must have at least " + counted(*node.min_items, "item"));
  if (node.max_items && a.size() > *node.max_items)
    report(state, "must have at most " + counted(*node.max_items, "item"));
  if (node.items)
    for (std::size_t i = 0; i < a.size(); ++i)
      check_child(*node.items, std::to_string(i), a[i], state);
}

void check_object(const schema_node& node, const json::object& o,
                  check_state& state) {
  for (const auto& name : node.required) {
    if (o.contains(name))
      continue;
    auto saved = state.where.size();
    append_pointer_segment(state.where, name);
    report(state, "is required");
    state.where.resize(saved);
  }
  for (const auto& [name, sub] : node.properties)
    if (auto* member = o.if_contains(name))
      check_child(*sub, name, *member, state);
  if (node.additional_properties)
    for (const auto& [key, value] : o)
      if (node.properties.find(std::string_view(key)) == node.properties.end())
        check_child(*node.additional_properties, key, value, state);
}

} // namespace

bool is_integer(const json::value& v) {
  if (v.is_int64() || v.is_uint64())
    return true;
  if (!v.is_double())
    return false;
  double d = v.get_double();
  return std::isfinite(d) && d == std::trunc(d);
}

void append_pointer_segment(std::string& pointer, std::string_view segment) {
  pointer += '/';
  for (char c : segment) {
    if (c == '~')
      pointer += "~0";
    else if (c == '/')
      pointer += "~1";
    else
      pointer += c;
  }
}

void check(const schema_node& node, const json::value& v, check_state& state) {
  if (node.fixed) {
    if (!*node.fixed)
      report(state, "is not allowed");
    return;
  }
  if (node.types && !has_type(*node.types, v))
    report(state, type_message(*node.types));
  if (node.enum_values) {
    bool listed = false;
    for (const auto& allowed : *node.enum_values)
      if ((listed = json_equal(v, allowed)))
        break;
    if (!listed)
      report(state, "must be one of " + quoted_or(json_text(*node.enum_values),
                                                  "the allowed values"));
  }
  if (node.const_value && !json_equal(v, *node.const_value))
    report(state, "must equal " + quoted_or(json_text(*node.const_value),
                                            "the constant"));
  switch (v.kind()) {
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: check_number(node, v, state); break;
    case json::kind::string: check_string(node, v.get_string(), state); break;
    case json::kind::array: check_array(node, v.get_array(), state); break;
    case json::kind::object: check_object(node, v.get_object(), state); break;
    default: break;
  }
}

} // namespace p2p::schema_detail
