#pragma once
// Exact comparison of JSON numbers: boost::json keeps int64, uint64 or
// double, and converting a big integer to a double would round it (2^53 + 1
// would equal 2^53). Used by queries and by the schema validator.
namespace boost::json {
class value;
}

namespace p2p {

/// Sign of a - b for two JSON numbers (both must be numbers).
int compare_json_numbers(const boost::json::value& a,
                         const boost::json::value& b);

} // namespace p2p
