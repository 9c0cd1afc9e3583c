#pragma once
// Secondary indexes over a field of the entries under a prefix, kept in two
// LMDB databases and changed only inside the write transaction that changes
// the records they cover, so an index never disagrees with the data:
//   index_defs:    u32 id (big-endian) -> {"prefix":..,"field":..}
//   index_entries: u32 id + sort key of the field's value + path -> ""
// An entry whose field is missing, an object or an array has no index entry.
#include "p2psync/query.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace p2p {

namespace lmdb {
class txn;
}

/// Every write under an index's prefix pays for it in the write
/// transaction: a node keeps at most this many.
constexpr std::size_t max_indexes = 64;

/// Thrown by index_store::create past max_indexes.
struct too_many_indexes : std::runtime_error {
  too_many_indexes()
    : std::runtime_error("a node keeps at most 64 indexes; drop one first") {
  }
};


class index_store {
public:
  /// Opens (creating) the two databases.
  void open(lmdb::txn& t);

  std::vector<index_def> load(const lmdb::txn& t) const;

  /// The index on (prefix, field), built from `records` if it is new; the
  /// second member counts the entries built (0 when it existed). Throws
  /// too_many_indexes for a new one past max_indexes.
  std::pair<index_def, uint64_t> create(lmdb::txn& t, unsigned records,
                                        const std::string& prefix,
                                        const std::string& field);
  /// Removes the index and its entries; false when there was none.
  bool drop(lmdb::txn& t, std::string_view prefix, std::string_view field);

  /// Moves the entries of every index in `defs` over `path` from the value
  /// `old_json` to `new_json` (JSON text; "" or "null" when absent).
  void on_change(lmdb::txn& t, const std::vector<index_def>& defs,
                 std::string_view path, std::string_view old_json,
                 std::string_view new_json) const;

  unsigned entries() const { // an MDB_dbi, kept out of this header
    return entries_;
  }

private:
  unsigned defs_ = 0;
  unsigned entries_ = 0;
};

/// `{"prefix": string, "field": string}` (as kept, and as POST /indexes
/// takes it) as (prefix, field); nothing when it is not that.
std::optional<std::pair<std::string, std::string>>
parse_index_spec(std::string_view json);

/// The 4-byte id prefix of an index's entries.
std::string index_id_key(uint32_t id);

/// The index entry key of `path` whose field holds `json`; empty when the
/// field has no sort key (missing, object, array, or `json` is not JSON).
std::string index_entry_key(const index_def& def, std::string_view path,
                            std::string_view json);

} // namespace p2p
