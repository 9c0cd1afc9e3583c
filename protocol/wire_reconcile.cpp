// The reconciliation messages of the wire protocol (tombstone collection):
// reconcile, reconciled, horizon. A page is checked whole here (paths valid,
// ascending, inside its range), so a receiver never removes on a malformed
// one.
#include "protocol/path.hpp"
#include "protocol/wire_reader.hpp"

namespace p2p::wire::detail {

namespace {

/// A stamp in the past (or within the skew allowed): a horizon ahead of
/// our clock would remove what was written a moment ago.
bool decode_horizon(reader& r, const char* name, hlc_time& out,
                    uint64_t now_ms) {
  if (!r.u64(name, out, true))
    return false;
  if (wall_ms_of(out) > now_ms + max_clock_skew_ms)
    return r.why = "a horizon ahead of our clock", false;
  return true;
}

bool decode_page(reader& r, reconcile& m, uint64_t now_ms) {
  if (!decode_horizon(r, "horizon", m.horizon, now_ms) || !r.str("after", m.after))
    return false;
  if (!m.after.empty() && !path_error(m.after).empty())
    return r.why = "field 'after' must be a path or empty", false;
  if (auto* end = r.obj.if_contains("end")) {
    if (!end->is_bool())
      return r.why = "field 'end' must be true or false", false;
    m.end = end->get_bool();
  }
  if (!m.end) {
    if (!r.str("through", m.through))
      return false;
    if (!path_error(m.through).empty() || m.through <= m.after)
      return r.why = "field 'through' must be a path past 'after'", false;
  }
  auto* v = r.field("paths");
  if (!v)
    return false;
  if (!v->is_array())
    return r.why = "field 'paths' must be an array", false;
  const auto& list = v->get_array();
  if (list.size() > max_paths_per_page)
    return r.why = "field 'paths' holds more than "
                   + std::to_string(max_paths_per_page) + " entries",
           false;
  m.paths.reserve(list.size());
  for (const auto& p : list) {
    if (!p.is_string() || !path_error(p.get_string()).empty())
      return r.why = "field 'paths' must hold paths", false;
    std::string_view path = p.get_string();
    const auto& previous = m.paths.empty() ? m.after : m.paths.back();
    if (path <= previous || (!m.end && path > m.through))
      return r.why = "field 'paths' must ascend inside (after, through]",
             false;
    m.paths.emplace_back(path);
  }
  return true;
}

} // namespace

bool decode_reconcile(const std::string& type, const json::object& obj,
                      message& out, std::string& why, uint64_t now_ms,
                      bool& ok) {
  reader r{obj, why};
  ok = false;
  if (type == "reconcile") {
    reconcile m;
    ok = decode_page(r, m, now_ms);
    if (ok)
      out = std::move(m);
    return true;
  }
  if (type == "reconciled") {
    ok = true;
    out = reconciled{};
    return true;
  }
  if (type == "horizon") {
    horizon m;
    ok = decode_horizon(r, "horizon", m.value, now_ms);
    if (ok)
      out = m;
    return true;
  }
  return false;
}

} // namespace p2p::wire::detail

namespace p2p::wire {

std::string encode(const reconcile& m) {
  std::string out = "{\"type\":\"reconcile\",\"horizon\":";
  append_u64_string(out, m.horizon);
  out += ",\"after\":";
  append_json_string(out, m.after);
  if (m.end) {
    out += ",\"end\":true";
  } else {
    out += ",\"through\":";
    append_json_string(out, m.through);
  }
  out += ",\"paths\":";
  append_json_string_array(out, m.paths);
  return out + "}";
}

std::string encode(const reconciled&) {
  return "{\"type\":\"reconciled\"}";
}

std::string encode(const horizon& m) {
  std::string out = "{\"type\":\"horizon\",\"horizon\":";
  append_u64_string(out, m.value);
  return out + "}";
}

} // namespace p2p::wire
