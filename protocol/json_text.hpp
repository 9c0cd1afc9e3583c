#pragma once
// Small helpers for building JSON text by hand on hot paths, where going
// through a boost::json::value would cost an allocation per field.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include <string_view>

namespace boost::json {
class value;
}

namespace p2p {

/// Appends `s` as a JSON string literal (quoted and escaped).
void append_json_string(std::string& out, std::string_view s);
/// Appends `["a","b"]`.
void append_json_string_array(std::string& out,
                              const std::vector<std::string>& items);

/// `v` as a non-negative integer; nothing when it is not one.
std::optional<uint64_t> json_u64(const boost::json::value& v);

/// `v` as a non-negative integer given either as a JSON integer or as a
/// string of decimal digits; nothing otherwise. Numbers that may pass 2^53
/// (clock stamps) are written as strings, since JavaScript reads every
/// JSON number as a double; the integer form is what older nodes wrote.
std::optional<uint64_t> json_u64_or_string(const boost::json::value& v);

/// Appends `x` as a JSON string of decimal digits: `"117714745343148032"`.
void append_u64_string(std::string& out, uint64_t x);

/// `{"error":"<message>"}`
std::string json_error(std::string_view message);

/// Parses `text` as one JSON value and returns its compact serialization;
/// on failure returns empty and sets `error`.
std::string canonical_json(std::string_view text, std::string& error);

/// The compact serialization of `v` (json_writer.hpp: numbers as JavaScript
/// writes them), the same on every node that re-parses it; empty (and
/// `error` set) when `v` holds a number too large for a double, which would
/// serialize as `Infinity`, which is not JSON.
std::string canonical_json(const boost::json::value& v, std::string& error);

/// Why a value of `stored_bytes` (as stored) may not be stored: empty when
/// it is within max_value_bytes (limits.hpp).
std::string value_size_error(std::size_t stored_bytes);

/// A value to store: canonical_json, refused (empty, `error` set) when the
/// result is longer than max_value_bytes (limits.hpp), so that whatever is
/// stored fits a frame to every peer.
std::string canonical_value(const boost::json::value& v, std::string& error);
std::string canonical_value(std::string_view text, std::string& error);

} // namespace p2p
