#pragma once
// Runs a field query on one read snapshot, through an index when one covers
// it and by scanning otherwise; both give the same entries in the same
// order (protocol/query.hpp), so only the cost differs.
#include "protocol/query.hpp"
#include "protocol/update.hpp"
#include "storage/indexes.hpp"

#include <optional>
#include <string>
#include <vector>

namespace p2p {

struct query_result {
  std::vector<update> results;
  std::string next;               // cursor of the next page; empty: no more
  std::optional<index_def> index; // the index that answered; none: a scan
  uint64_t examined = 0;          // index entries or records looked at
};

/// The index on `field` whose prefix is the longest that `prefix` starts
/// with; nothing when no index covers the query.
std::optional<index_def> choose_index(const std::vector<index_def>& defs,
                                      const std::string& prefix,
                                      const std::string& field);

query_result run_query(const lmdb::txn& t, unsigned records,
                       unsigned index_entries,
                       const std::vector<index_def>& defs,
                       const field_query& q, const compiled_query& cq);

} // namespace p2p
