#include "protocol/schema.hpp"

#include "protocol/json_text.hpp"
#include "protocol/schema_node.hpp"

#include <boost/json/parse.hpp>

#include <limits>

namespace p2p {

namespace json = boost::json;

namespace {

constexpr int max_schema_depth = 32;

// Room for 32 levels of subschemas (two JSON levels each, via "properties")
// and for enum/const values inside them.
constexpr unsigned max_schema_json_depth = 128;

// Deep enough for any value the store accepts (its parsers allow 32-35).
constexpr unsigned max_value_json_depth = 64;

std::optional<unsigned> type_bit_named(std::string_view name) {
  using namespace schema_detail;
  if (name == "null") return null_type;
  if (name == "boolean") return boolean_type;
  if (name == "object") return object_type;
  if (name == "array") return array_type;
  if (name == "number") return number_type;
  if (name == "integer") return integer_type;
  if (name == "string") return string_type;
  return std::nullopt;
}

// Turns one JSON schema into a schema_node; on the first error it stops,
// with `error` naming the place as `#/pointer`.
class schema_compiler {
public:
  std::string error;

  std::unique_ptr<schema_node> compile(const json::value& v, int depth) {
    if (depth > max_schema_depth) {
      fail("", "schema nesting is deeper than " +
                   std::to_string(max_schema_depth));
      return nullptr;
    }
    auto node = std::make_unique<schema_node>();
    if (v.is_bool()) {
      node->fixed = v.get_bool();
      return node;
    }
    if (!v.is_object()) {
      fail("", "a schema must be an object or a boolean");
      return nullptr;
    }
    for (const auto& [key, value] : v.get_object())
      if (!compile_keyword(*node, key, value, depth))
        return nullptr;
    return node;
  }

private:
  std::string where_; // schema pointer of the node being compiled

  bool fail(std::string_view keyword, const std::string& what) {
    error = "#" + where_ + ": ";
    if (!keyword.empty())
      error += "\"" + std::string(keyword) + "\" ";
    error += what;
    return false;
  }

  // Compiles the subschema at where_ + each of `segments`.
  std::unique_ptr<schema_node>
  compile_under(std::initializer_list<std::string_view> segments,
                const json::value& v, int depth) {
    auto saved = where_.size();
    for (auto segment : segments)
      schema_detail::append_pointer_segment(where_, segment);
    auto node = compile(v, depth + 1);
    if (node)
      where_.resize(saved);
    return node; // on failure where_ stays at the culprit, for the message
  }

  bool compile_keyword(schema_node& node, std::string_view key,
                       const json::value& v, int depth) {
    if (key == "type")
      return compile_type(node, v);
    if (key == "required") {
      if (!v.is_array())
        return fail(key, "must be an array of strings");
      for (const auto& name : v.get_array()) {
        if (!name.is_string())
          return fail(key, "must be an array of strings");
        node.required.emplace_back(name.get_string());
      }
      return true;
    }
    if (key == "properties") {
      if (!v.is_object())
        return fail(key, "must be an object of schemas");
      for (const auto& [name, sub] : v.get_object()) {
        auto compiled = compile_under({key, name}, sub, depth);
        if (!compiled)
          return false;
        node.properties.emplace(std::string(name), std::move(compiled));
      }
      return true;
    }
    if (key == "additionalProperties")
      return (node.additional_properties = compile_under({key}, v, depth))
             != nullptr;
    if (key == "items") {
      if (v.is_array())
        return fail(key, "must be a schema (2020-12 uses prefixItems for "
                         "per-position schemas, which is not supported)");
      return (node.items = compile_under({key}, v, depth)) != nullptr;
    }
    if (key == "minimum") return number(key, v, node.minimum);
    if (key == "maximum") return number(key, v, node.maximum);
    if (key == "exclusiveMinimum") return number(key, v, node.exclusive_minimum);
    if (key == "exclusiveMaximum") return number(key, v, node.exclusive_maximum);
    if (key == "minLength") return count(key, v, node.min_length);
    if (key == "maxLength") return count(key, v, node.max_length);
    if (key == "minItems") return count(key, v, node.min_items);
    if (key == "maxItems") return count(key, v, node.max_items);
    if (key == "enum") {
      if (!v.is_array())
        return fail(key, "must be an array");
      node.enum_values = v.get_array();
      return true;
    }
    if (key == "const") {
      node.const_value = v;
      return true;
    }
    if (key == "pattern")
      return compile_pattern(node, v);
    return true; // unknown keywords are annotations, as in JSON Schema
  }

  bool compile_type(schema_node& node, const json::value& v) {
    auto add = [&](const json::value& name) {
      auto bit = name.is_string() ? type_bit_named(name.get_string())
                                  : std::nullopt;
      if (bit)
        node.types = node.types.value_or(0) | *bit;
      return bit.has_value();
    };
    const char* expected = "must be one of null, boolean, object, array, "
                           "number, integer, string, or an array of those";
    if (!v.is_array())
      return add(v) || fail("type", expected);
    if (v.get_array().empty())
      return fail("type", "must not be an empty array");
    for (const auto& name : v.get_array())
      if (!add(name))
        return fail("type", expected);
    return true;
  }

  bool number(std::string_view key, const json::value& v,
              std::optional<json::value>& out) {
    if (!v.is_number())
      return fail(key, "must be a number");
    out = v;
    return true;
  }

  bool count(std::string_view key, const json::value& v,
             std::optional<std::uint64_t>& out) {
    if (auto whole = json_u64(v))
      out = whole;
    else if (v.is_double() && v.get_double() >= 0 &&
             schema_detail::is_integer(v))
      out = v.get_double() >= 0x1p64 ? std::numeric_limits<std::uint64_t>::max()
                                     : static_cast<std::uint64_t>(v.get_double());
    else
      return fail(key, "must be a non-negative integer");
    return true;
  }

  bool compile_pattern(schema_node& node, const json::value& v) {
    if (!v.is_string())
      return fail("pattern", "must be a string");
    node.pattern_source = v.get_string();
    std::string why;
    node.pattern = schema_detail::compile_pattern(node.pattern_source, why);
    if (!node.pattern)
      return fail("pattern", "is not a valid regular expression: " + why);
    return true;
  }
};

} // namespace

schema::schema(std::shared_ptr<const schema_node> root, std::string text)
    : root_(std::move(root)), text_(std::move(text)) {}

std::optional<schema> schema::compile(std::string_view text,
                                      std::string& error) {
  json::parse_options options;
  options.max_depth = max_schema_json_depth;
  json::error_code ec;
  auto value = json::parse(text, ec, {}, options);
  if (ec) {
    error = "schema is not valid JSON: " + ec.message();
    return std::nullopt;
  }
  std::string why;
  auto canonical = canonical_json(value, why);
  if (canonical.empty()) {
    error = "schema: " + why;
    return std::nullopt;
  }
  schema_compiler compiler;
  auto root = compiler.compile(value, 1);
  if (!root) {
    error = std::move(compiler.error);
    return std::nullopt;
  }
  return schema(std::move(root), std::move(canonical));
}

std::vector<schema_violation> schema::validate(std::string_view json_text) const {
  json::parse_options options;
  options.max_depth = max_value_json_depth;
  json::error_code ec;
  auto value = json::parse(json_text, ec, {}, options);
  if (ec)
    return {{"", "is not valid JSON: " + ec.message()}};
  return validate(value);
}

std::vector<schema_violation> schema::validate(const json::value& v) const {
  schema_detail::check_state state;
  schema_detail::check(*root_, v, state);
  return std::move(state.violations);
}

} // namespace p2p
