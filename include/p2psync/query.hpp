#pragma once
// Field queries and indexes as an application sees them: what it asks
// (field_query), what it gets back (query_result) and the indexes a node
// keeps (index_def). How a query runs is not part of the API.
#include "p2psync/update.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace p2p {

constexpr std::size_t default_query_limit = 100;
constexpr std::size_t max_query_limit = 1000;

struct query_bound {
  std::string json; // a number or a string, as JSON text
  bool inclusive = true;
};

/// The entries under `prefix` whose field (a JSON pointer) equals a value or
/// falls in a range, in index order: by the field's value, then by path. The
/// order does not depend on whether an index answers it or a scan does, so
/// every node gives the same pages.
struct field_query {
  std::string prefix;                // entries whose path starts with it
  std::string field;                 // JSON pointer; "" is the whole value
  std::optional<std::string> equals; // a scalar, as JSON text
  std::optional<query_bound> lower;
  std::optional<query_bound> upper;
  std::size_t limit = default_query_limit;
  std::string after; // sort key + path of the last result already seen
  bool use_index = true; // false: scan even when an index covers it
};

/// A secondary index over a field of the entries under a prefix.
struct index_def {
  uint32_t id = 0;
  std::string prefix; // covers entries whose path starts with it
  std::string field;  // JSON pointer
};

/// One page of a query's matches.
struct query_result {
  std::vector<update> results;
  std::string next;               // cursor of the next page; empty: no more
  std::optional<index_def> index; // the index that answered; none: a scan
  uint64_t examined = 0;          // index entries or records looked at
};

} // namespace p2p
