#pragma once
// A field query: the entries under a prefix whose field (a JSON pointer)
// equals a value or falls in a range, in index order: by the field's value
// (sort_key.hpp), then by path. The order does not depend on whether an
// index answers it or a scan does, so every node gives the same pages.
#include "p2psync/query.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace boost::json {
class value;
}

namespace p2p {

/// A query checked and made ready to run.
class compiled_query {
public:
  /// Nothing (and `why`) when the query is malformed: a bad prefix or
  /// pointer, no condition, equality mixed with a range, bounds that are
  /// not numbers or strings or not of one kind, a bad limit.
  static std::optional<compiled_query> compile(const field_query& q,
                                               std::string& why);

  /// Where matching sort keys start.
  const std::string& first_key() const {
    return first_key_;
  }
  /// True once `key` (a sort key) is past every possible match.
  bool past_end(std::string_view key) const;
  /// True when `field_value` (the field of an entry) satisfies the query.
  bool matches(const boost::json::value& field_value) const;

private:
  std::string first_key_;
  std::optional<std::string> last_key_; // when bounded above
  // No match has last_key_ itself: an exclusive bound whose key is whole.
  bool stop_at_last_key_ = false;
  char tag_ = 0;                        // matches all have this kind
  struct values;
  std::shared_ptr<const values> values_;
};

/// The cursor handed to clients: the resume position as hex text.
std::string encode_cursor(std::string_view after);
/// False when `text` is not a cursor.
bool decode_cursor(std::string_view text, std::string& after);

} // namespace p2p
