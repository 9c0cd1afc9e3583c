#pragma once
// Compact JSON text of a boost::json::value as JavaScript writes it
// (JSON.stringify): doubles as ECMAScript's Number::toString (shortest
// round-trip digits: 1.5, 0.1, 1e+21, 1.23e-18; -0 as 0), integers exactly,
// strings escaped as JSON.stringify does. Boost.JSON 1.81's own serializer
// writes 1.5 as 1.5E0, which no JavaScript client writes back the same.
#include <string>

namespace boost::json {
class value;
}

namespace p2p {

/// Appends `d` as ECMAScript's Number::toString writes it; a non-finite
/// number (which JSON cannot hold) as null, as JSON.stringify does.
void append_json_number(std::string& out, double d);

/// Appends the compact JSON text of `v`. Depth is bounded by the parser
/// that made `v` (32 levels by default).
void append_json_value(std::string& out, const boost::json::value& v);

/// The compact JSON text of `v`.
std::string json_text(const boost::json::value& v);

} // namespace p2p
