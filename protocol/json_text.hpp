#pragma once
// Small helpers for building JSON text by hand on hot paths, where going
// through a boost::json::value would cost an allocation per field.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace boost::json {
class value;
}

namespace p2p {

/// Appends `s` as a JSON string literal (quoted and escaped).
void append_json_string(std::string& out, std::string_view s);

/// `v` as a non-negative integer; nothing when it is not one.
std::optional<uint64_t> json_u64(const boost::json::value& v);

/// `{"error":"<message>"}`
std::string json_error(std::string_view message);

/// Parses `text` as one JSON value and returns its compact serialization;
/// on failure returns empty and sets `error`.
std::string canonical_json(std::string_view text, std::string& error);

/// The compact serialization of `v`; empty (and `error` set) when `v` holds
/// a number too large for a double, which would serialize as `Infinity`,
/// which is not JSON.
std::string canonical_json(const boost::json::value& v, std::string& error);

} // namespace p2p
