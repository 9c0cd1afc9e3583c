#pragma once
// Internal to the wire codec (wire.cpp, wire_overlay.cpp): field readers
// that say precisely what is wrong with a peer's frame.
#include "protocol/json_text.hpp"
#include "protocol/path.hpp"
#include "protocol/wire.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <string>

namespace p2p::wire::detail {

namespace json = boost::json;

// Field readers: each returns false (with `why`) on a missing or mistyped
// field, so a lying peer gets a precise error.
struct reader {
  const json::object& obj;
  std::string& why;

  const json::value* field(const char* name) {
    auto* v = obj.if_contains(name);
    if (!v)
      why = std::string("missing field '") + name + "'";
    return v;
  }
  /// A counter (a JSON integer); or, with `big`, a number that may pass
  /// 2^53 (a stamp): a string of digits, or the integer older nodes send.
  bool u64(const char* name, uint64_t& out, bool big = false) {
    auto* v = field(name);
    if (!v)
      return false;
    auto x = big ? json_u64_or_string(*v) : json_u64(*v);
    if (!x)
      return why = std::string("field '") + name
                   + (big ? "' must be a string of digits"
                          : "' must be a non-negative integer"),
             false;
    out = *x;
    return true;
  }
  bool str(const char* name, std::string& out) {
    auto* v = field(name);
    if (!v)
      return false;
    if (!v->is_string())
      return why = std::string("field '") + name + "' must be a string",
             false;
    out = std::string(v->get_string());
    return true;
  }
  bool hex(const char* name, std::string& out) {
    if (!str(name, out))
      return false;
    if (!is_hex_id(out))
      return why = std::string("field '") + name + "' must be a hex id",
             false;
    return true;
  }
};

/// False for a malformed item (a protocol error). A well-formed item stamped
/// too far ahead decodes, with `too_far` saying why it is refused.
inline bool decode_update(const json::value& v, update& u, std::string& why,
                   uint64_t now_ms, std::string& too_far) {
  if (!v.is_object())
    return why = "an item must be an object", false;
  reader r{v.get_object(), why};
  if (!r.str("path", u.path) || !r.u64("hlc", u.time, true)
      || !r.hex("origin", u.origin))
    return false;
  if (auto err = path_error(u.path); !err.empty())
    return why = "bad item: bad path: " + err, false;
  // No clock stamps 0; stored, it would make our export unimportable.
  if (u.time == 0)
    return why = "bad item: a stamp must be positive", false;
  too_far = skew_error(u, now_ms);
  auto* value = r.field("value");
  if (!value)
    return false;
  std::string err;
  u.value = canonical_value(*value, err);
  if (u.value.empty())
    return why = "bad item value: " + err, false;
  return true;
}

/// Reads the array field `name` of item ids, at most max_ids_per_frame;
/// ids stamped too far ahead of `now_ms` are left out and counted.
bool decode_ids(reader& r, const char* name, std::vector<item_id>& out,
                uint64_t now_ms, uint64_t& refused);
/// Appends `"name":[ids]`.
void append_ids(std::string& out, const char* name,
                const std::vector<item_id>& ids);

/// The decoders of the overlay and tree messages (wire_overlay.cpp):
/// false when `type` is none of them; else `ok` says whether it decoded.
bool decode_overlay(const std::string& type, const json::object& obj,
                    message& out, std::string& why, uint64_t now_ms,
                    bool& ok);

/// The decoders of the reconciliation messages (wire_reconcile.cpp), as
/// decode_overlay.
bool decode_reconcile(const std::string& type, const json::object& obj,
                      message& out, std::string& why, uint64_t now_ms,
                      bool& ok);

/// Reads the hello's optional overlay fields (advertise, features).
bool decode_hello_overlay(const json::object& obj, hello& m,
                          std::string& why);
/// Appends them.
void append_hello_overlay(std::string& out, const hello& m);

} // namespace p2p::wire::detail
