// The overlay (peer exchange) and tree broadcast (Plumtree) messages of the
// wire protocol, and the hello's fields that say a node speaks them.
#include "protocol/path.hpp"
#include "protocol/peer_url.hpp"
#include "protocol/wire_reader.hpp"

#include <algorithm>

namespace p2p::wire::detail {

namespace {

constexpr const char* feature_peers = "peers";
constexpr const char* feature_tree = "tree";
constexpr const char* feature_reconcile = "reconcile";

/// The array field `name`, at most `max` long.
const json::array* bounded_array(reader& r, const char* name,
                                 std::size_t max) {
  auto* v = r.field(name);
  if (!v)
    return nullptr;
  if (!v->is_array())
    return r.why = std::string("field '") + name + "' must be an array",
           nullptr;
  if (v->get_array().size() > max)
    return r.why = std::string("field '") + name + "' holds more than "
                   + std::to_string(max) + " entries",
           nullptr;
  return &v->get_array();
}

bool decode_id(const json::value& v, item_id& id, std::string& why) {
  if (!v.is_object())
    return why = "an item must be an object", false;
  reader r{v.get_object(), why};
  if (!r.str("path", id.path) || !r.u64("hlc", id.time, true)
      || !r.hex("origin", id.origin))
    return false;
  if (auto err = path_error(id.path); !err.empty())
    return why = "bad item: bad path: " + err, false;
  if (id.time == 0)
    return why = "bad item: a stamp must be positive", false;
  return true;
}


/// A peer URL in the canonical form, or why not.
bool decode_url(const std::string& text, std::string& url, std::string& why) {
  if (text.size() > max_url_bytes)
    return why = "a peer URL longer than " + std::to_string(max_url_bytes)
                 + " bytes",
           false;
  auto parsed = parse_peer_url(text);
  if (!parsed.url)
    return why = "bad peer URL '" + text + "': " + parsed.error, false;
  url = parsed.url->text();
  return true;
}

bool decode_peers(reader& r, peers& m) {
  auto* list = bounded_array(r, "addresses", max_addresses_per_frame);
  if (!list)
    return false;
  for (const auto& v : *list) {
    if (!v.is_object())
      return r.why = "an address must be an object", false;
    reader a{v.get_object(), r.why};
    address addr;
    std::string url;
    if (!a.str("url", url) || !decode_url(url, addr.url, r.why))
      return false;
    if (v.get_object().if_contains("id") && !a.hex("id", addr.id))
      return false;
    m.addresses.push_back(std::move(addr));
  }
  if (auto* reply = r.obj.if_contains("reply")) {
    if (!reply->is_bool())
      return r.why = "field 'reply' must be true or false", false;
    m.reply = reply->get_bool();
  }
  return true;
}

void append_id(std::string& out, const item_id& id) {
  out += "{\"path\":";
  append_json_string(out, id.path);
  out += ",\"hlc\":";
  append_u64_string(out, id.time);
  out += ",\"origin\":";
  append_json_string(out, id.origin);
  out += '}';
}

} // namespace

bool decode_ids(reader& r, const char* name, std::vector<item_id>& out,
                uint64_t now_ms, uint64_t& refused) {
  auto* items = bounded_array(r, name, max_ids_per_frame);
  if (!items)
    return false;
  out.reserve(items->size());
  for (const auto& v : *items) {
    item_id id;
    if (!decode_id(v, id, r.why))
      return false;
    // Ids stamped too far ahead are refused as their payloads would be.
    if (wall_ms_of(id.time) > now_ms + max_clock_skew_ms)
      ++refused;
    else
      out.push_back(std::move(id));
  }
  return true;
}

void append_ids(std::string& out, const char* name,
                const std::vector<item_id>& ids) {
  out += '"';
  out += name;
  out += "\":[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0)
      out += ',';
    append_id(out, ids[i]);
  }
  out += ']';
}

bool decode_overlay(const std::string& type, const json::object& obj,
                    message& out, std::string& why, uint64_t now_ms,
                    bool& ok) {
  reader r{obj, why};
  ok = false;
  if (type == "graft") {
    graft m;
    uint64_t refused = 0; // asking for an update from the future: no harm
    ok = decode_ids(r, "items", m.items, now_ms, refused);
    if (ok)
      out = std::move(m);
    return true;
  }
  if (type == "prune") {
    prune m;
    auto* list = bounded_array(r, "origins", max_ids_per_frame);
    if (!list)
      return true;
    for (const auto& v : *list) {
      if (!v.is_string() || !is_hex_id(v.get_string()))
        return why = "field 'origins' must hold node ids", true;
      m.origins.emplace_back(v.get_string());
    }
    ok = true;
    out = std::move(m);
    return true;
  }
  if (type == "shed") {
    ok = true;
    out = shed{};
    return true;
  }
  if (type == "payload") {
    payload m;
    auto* items = bounded_array(r, "items", max_ids_per_frame);
    if (!items)
      return true;
    for (const auto& v : *items) {
      update u;
      std::string too_far;
      if (!decode_update(v, u, why, now_ms, too_far))
        return true;
      if (too_far.empty()) {
        m.items.push_back(std::move(u));
        continue;
      }
      if (m.refused++ == 0)
        m.refusal = u.path + ": " + too_far;
      m.refused_paths.push_back(std::move(u.path));
    }
    ok = true;
    out = std::move(m);
    return true;
  }
  if (type == "peers") {
    peers m;
    ok = decode_peers(r, m);
    if (ok)
      out = std::move(m);
    return true;
  }
  return false;
}

bool decode_hello_overlay(const json::object& obj, hello& m,
                          std::string& why) {
  reader r{obj, why};
  if (obj.if_contains("advertise")) {
    std::string text;
    if (!r.str("advertise", text) || !decode_url(text, m.advertise, why))
      return false;
  }
  if (obj.if_contains("features")) {
    // Unknown features are a newer node's: ignored, not an error.
    auto* list = bounded_array(r, "features", 16);
    if (!list)
      return false;
    for (const auto& f : *list) {
      if (!f.is_string())
        return why = "field 'features' must hold strings", false;
      m.speaks_peers |= f.get_string() == feature_peers;
      m.speaks_tree |= f.get_string() == feature_tree;
      m.speaks_reconcile |= f.get_string() == feature_reconcile;
    }
  }
  return true;
}

void append_hello_overlay(std::string& out, const hello& m) {
  if (!m.advertise.empty()) {
    out += ",\"advertise\":";
    append_json_string(out, m.advertise);
  }
  std::string features;
  for (auto [speaks, name] : {std::pair{m.speaks_peers, feature_peers},
                              std::pair{m.speaks_tree, feature_tree},
                              std::pair{m.speaks_reconcile, feature_reconcile}})
    if (speaks)
      features += (features.empty() ? "\"" : ",\"") + std::string(name) + '"';
  if (!features.empty())
    out += ",\"features\":[" + features + ']';
}

} // namespace p2p::wire::detail

namespace p2p::wire {

std::size_t encoded_id_bytes(const item_id& id) {
  std::string out;
  detail::append_ids(out, "", {id});
  return out.size() - 5; // less `"":[` and `]`
}

std::string encode(const graft& m) {
  std::string out = "{\"type\":\"graft\",";
  detail::append_ids(out, "items", m.items);
  return out + "}";
}

std::string encode(const prune& m) {
  std::string out = "{\"type\":\"prune\",\"origins\":";
  append_json_string_array(out, m.origins);
  return out + "}";
}

std::string encode(const shed&) {
  return "{\"type\":\"shed\"}";
}

std::string encode(const peers& m) {
  std::string out = "{\"type\":\"peers\",\"reply\":";
  out += m.reply ? "true" : "false";
  out += ",\"addresses\":[";
  for (std::size_t i = 0; i < m.addresses.size(); ++i) {
    if (i > 0)
      out += ',';
    out += "{\"url\":";
    append_json_string(out, m.addresses[i].url);
    if (!m.addresses[i].id.empty()) {
      out += ",\"id\":";
      append_json_string(out, m.addresses[i].id);
    }
    out += '}';
  }
  return out + "]}";
}

std::string encode_payload(const std::vector<const update*>& items) {
  // The same items as a `changes` run's; only the envelope differs.
  auto text = encode_changes(items, 0);
  static const std::string changes_head = "{\"type\":\"changes\",\"upto\":0,";
  return "{\"type\":\"payload\"," + text.substr(changes_head.size());
}

} // namespace p2p::wire
