#pragma once
// Runs a field query on one read snapshot, through an index when one covers
// it and by scanning otherwise; both give the same entries in the same
// order (protocol/query.hpp), so only the cost differs.
#include "protocol/query.hpp"
#include "p2psync/update.hpp"
#include "storage/indexes.hpp"

#include <optional>
#include <string>
#include <vector>

namespace p2p {


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
