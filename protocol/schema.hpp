#pragma once
// A JSON Schema subset (draft 2020-12 semantics) for checking values before
// they are stored. Plain code: no actors, no I/O.
//
// Supported keywords: type, required, properties, additionalProperties,
// items, minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength,
// maxLength, minItems, maxItems, enum, const, pattern. Other keywords are
// ignored, as JSON Schema does with unknown ones.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boost::json {
class value;
}

namespace p2p {

struct schema_violation {
  /// JSON pointer (RFC 6901) to the offending place in the value, "" for
  /// the root. For a missing required property it names that property.
  std::string where;
  std::string message; ///< e.g. "must be a string", "is required"
};

struct schema_node; // the compiled form, see protocol/schema_node.hpp

/// A compiled schema: immutable, cheap to copy, safe to share between
/// threads.
class schema {
public:
  /// Compiles `text` (JSON text of a schema). On failure returns nullopt and
  /// sets `error`, which names the offending place as `#/json/pointer`.
  static std::optional<schema> compile(std::string_view text,
                                       std::string& error);

  /// Every violation of the value, empty when it conforms. Deterministic:
  /// every node reaches the same verdict for the same schema and value.
  std::vector<schema_violation> validate(std::string_view json_text) const;
  std::vector<schema_violation> validate(const boost::json::value& v) const;
  /// A literal would be ambiguous between the two above.
  std::vector<schema_violation> validate(const char* json_text) const {
    return validate(std::string_view(json_text));
  }

  /// Canonical (compact) text of the schema, for listing it back.
  const std::string& text() const { return text_; }

private:
  schema(std::shared_ptr<const schema_node> root, std::string text);

  std::shared_ptr<const schema_node> root_;
  std::string text_;
};

} // namespace p2p
