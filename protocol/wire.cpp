#include "protocol/wire.hpp"

#include "protocol/json_parse.hpp"
#include "protocol/json_text.hpp"
#include "protocol/wire_reader.hpp"
#include "protocol/path.hpp"
#include "protocol/sketch.hpp"

#include <boost/json/parse_options.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace p2p::wire {

namespace json = boost::json;

bool is_hex_id(std::string_view s) {
  if (s.empty() || s.size() > 64)
    return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      return false;
  return true;
}

std::string update_error(const update& u, uint64_t now_ms) {
  if (auto err = path_error(u.path); !err.empty())
    return "bad path: " + err;
  if (!is_hex_id(u.origin))
    return "origin must be a node id (hex)";
  return skew_error(u, now_ms);
}

std::string skew_error(const update& u, uint64_t now_ms) {
  if (wall_ms_of(u.time) > now_ms + max_clock_skew_ms)
    return "stamped more than 10 minutes in the future";
  return {};
}

namespace {

using detail::reader;
using detail::decode_update;

bool decode_object(const json::object& obj, message& out, std::string& why,
                   uint64_t now_ms) {
  reader r{obj, why};
  std::string type;
  if (!r.str("type", type))
    return false;
  if (type == "hello") {
    hello m;
    uint64_t version = 0;
    if (!r.u64("version", version) || !r.hex("id", m.id)
        || !r.hex("epoch", m.epoch))
      return false;
    if (version != protocol_version)
      return why = "unsupported protocol version "
                   + std::to_string(version),
             false;
    m.version = static_cast<int>(version);
    if (obj.if_contains("nonce") && !r.hex("nonce", m.nonce))
      return false;
    if (obj.if_contains("now") && !r.u64("now", m.now))
      return false;
    if (!detail::decode_hello_overlay(obj, m, why))
      return false;
    out = std::move(m);
    return true;
  }
  if (type == "auth") {
    auth m;
    if (!r.hex("mac", m.mac))
      return false;
    out = std::move(m);
    return true;
  }
  if (type == "sync") {
    sync m;
    if (!r.u64("since", m.since))
      return false;
    if (obj.if_contains("sketch")) {
      if (!r.str("sketch", m.sketch))
        return false;
      if (!sketch::from_text(m.sketch))
        return why = "field 'sketch' is not a sketch", false;
    }
    out = std::move(m);
    return true;
  }
  if (type == "changes") {
    changes m;
    if (!r.u64("upto", m.upto))
      return false;
    auto* items = r.field("items");
    if (!items)
      return false;
    if (!items->is_array())
      return why = "field 'items' must be an array", false;
    m.items.reserve(items->get_array().size());
    for (const auto& item : items->get_array()) {
      update u;
      std::string too_far;
      if (!decode_update(item, u, why, now_ms, too_far))
        return false;
      if (too_far.empty()) {
        m.items.push_back(std::move(u));
      } else if (m.refused++ == 0) {
        m.refusal = u.path + ": " + too_far;
      }
    }
    if (obj.if_contains("ids")
        && !detail::decode_ids(r, "ids", m.ids, now_ms, m.refused))
      return false;
    out = std::move(m);
    return true;
  }
  if (type == "ack") {
    ack m;
    if (!r.u64("upto", m.upto))
      return false;
    out = m;
    return true;
  }
  if (type == "error") {
    error m;
    if (!r.str("message", m.message))
      return false;
    out = std::move(m);
    return true;
  }
  bool ok = false;
  if (detail::decode_overlay(type, obj, out, why, now_ms, ok)
      || detail::decode_reconcile(type, obj, out, why, now_ms, ok))
    return ok;
  why = "unknown message type '" + type + "'";
  return false;
}

} // namespace

bool decode(std::string_view text, message& out, std::string& why) {
  return decode(text, out, why, system_wall_ms());
}

bool decode(std::string_view text, message& out, std::string& why,
            uint64_t now_ms) {
  if (text.size() > max_frame_bytes)
    return why = "frame too large", false;
  json::error_code ec;
  // A value may nest as deep as the HTTP API allows (32, Boost's default);
  // the envelope adds three levels.
  json::parse_options opts;
  opts.max_depth = 32 + 3;
  auto v = parse_json(text, ec, opts);
  if (ec)
    return why = "frame is not JSON: " + ec.message(), false;
  if (!v.is_object())
    return why = "frame must be a JSON object", false;
  return decode_object(v.get_object(), out, why, now_ms);
}

std::string encode(const hello& m) {
  std::string out = "{\"type\":\"hello\",\"version\":"
                    + std::to_string(m.version) + ",\"id\":";
  append_json_string(out, m.id);
  out += ",\"epoch\":";
  append_json_string(out, m.epoch);
  if (!m.nonce.empty()) {
    out += ",\"nonce\":";
    append_json_string(out, m.nonce);
  }
  if (m.now != 0)
    out += ",\"now\":" + std::to_string(m.now);
  detail::append_hello_overlay(out, m);
  out += '}';
  return out;
}

std::string encode(const auth& m) {
  std::string out = "{\"type\":\"auth\",\"mac\":";
  append_json_string(out, m.mac);
  out += '}';
  return out;
}

std::string encode(const sync& m) {
  auto out = "{\"type\":\"sync\",\"since\":" + std::to_string(m.since);
  if (!m.sketch.empty())
    out += ",\"sketch\":\"" + m.sketch + "\""; // base64: nothing to escape
  return out + "}";
}

std::string encode(const ack& m) {
  return "{\"type\":\"ack\",\"upto\":" + std::to_string(m.upto) + "}";
}

std::string encode(const error& m) {
  std::string out = "{\"type\":\"error\",\"message\":";
  append_json_string(out, m.message);
  out += '}';
  return out;
}

namespace {

// One item of a `changes` frame; the value is left out without `with_value`
// (for measuring).
void append_item(std::string& out, const update& u, bool with_value) {
  out += "{\"path\":";
  append_json_string(out, u.path);
  out += ",\"value\":";
  if (with_value)
    out += u.value;
  out += ",\"hlc\":";
  append_u64_string(out, u.time);
  out += ",\"origin\":";
  append_json_string(out, u.origin);
  out += '}';
}

} // namespace

std::size_t encoded_item_bytes(const update& u) {
  std::string shell;
  append_item(shell, u, false);
  return shell.size() + u.value.size();
}

std::string encode_changes(const std::vector<const update*>& items,
                           uint64_t upto, const std::vector<item_id>* ids,
                           std::size_t* ids_bytes) {
  std::string out = "{\"type\":\"changes\",\"upto\":" + std::to_string(upto)
                    + ",\"items\":[";
  bool first = true;
  for (const auto* u : items) {
    if (!first)
      out += ',';
    first = false;
    append_item(out, *u, true);
  }
  out += ']';
  if (ids && !ids->empty()) {
    auto before = out.size();
    out += ',';
    detail::append_ids(out, "ids", *ids);
    if (ids_bytes)
      *ids_bytes = out.size() - before;
  }
  out += '}';
  return out;
}

} // namespace p2p::wire
