#include "protocol/ndjson.hpp"

#include "protocol/json_parse.hpp"
#include "protocol/json_text.hpp"
#include "protocol/path.hpp"
#include "protocol/wire.hpp"

#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <utility>

namespace p2p {

void append_export_line(std::string& out, const update& u) {
  append_json(out, u);
  out.pop_back(); // the closing brace: the full stamp goes in too
  out += ",\"hlc\":";
  append_u64_string(out, u.time);
  out += "}\n";
}

namespace {

/// False when `name` is there but not a non-negative integer. The stamp
/// (beyond 2^53) may also be a string of digits, as exports write it; the
/// timestamp (ms) is a plain integer.
bool unsigned_field(const boost::json::object& obj, const char* name,
                    std::optional<uint64_t>& out, bool or_string) {
  const auto* v = obj.if_contains(name);
  if (!v)
    return true;
  out = or_string ? json_u64_or_string(*v) : json_u64(*v);
  return out.has_value();
}

} // namespace

bool parse_import_line(std::string_view line, update& out, std::string& why,
                       uint64_t now_ms) {
  boost::system::error_code ec;
  // A value may nest as deep as a write allows (32, Boost's default); the
  // line wraps it in one more level.
  boost::json::parse_options opts;
  opts.max_depth = 32 + 1;
  auto doc = parse_json(line, ec, opts);
  if (ec)
    return why = "not JSON: " + ec.message(), false;
  const auto* obj = doc.if_object();
  if (!obj)
    return why = "an entry must be an object", false;
  const auto* path = obj->if_contains("path");
  const auto* origin = obj->if_contains("origin");
  const auto* value = obj->if_contains("value");
  if (!path || !path->is_string())
    return why = "'path' must be a string", false;
  if (!value)
    return why = "'value' is missing", false;
  if (!origin || !origin->is_string())
    return why = "'origin' must be a node id (hex)", false;
  std::optional<uint64_t> hlc, timestamp;
  if (!unsigned_field(*obj, "hlc", hlc, true))
    return why = "'hlc' must be a string of digits (or a non-negative "
                 "integer)",
           false;
  if (!unsigned_field(*obj, "timestamp", timestamp, false))
    return why = "'timestamp' must be a non-negative integer (ms)", false;
  if (!hlc && !timestamp)
    return why = "give 'timestamp' (ms) or 'hlc'", false;
  if (hlc && timestamp && wall_ms_of(*hlc) != *timestamp)
    return why = "'hlc' and 'timestamp' disagree", false;
  if (timestamp && *timestamp >= (uint64_t{1} << (64 - hlc_counter_bits)))
    return why = "'timestamp' is out of range", false;
  out.path = std::string(path->get_string());
  out.origin = std::string(origin->get_string());
  out.time = hlc ? *hlc : hlc_from_ms(*timestamp);
  if (out.time == 0)
    return why = "a stamp must be positive", false;
  if (why = wire::update_error(out, now_ms); !why.empty())
    return false;
  out.value = canonical_value(*value, why);
  if (out.value.empty())
    return why = "bad value: " + why, false;
  return true;
}

bool import_batch::add_line(std::string_view line, std::string& why,
                            uint64_t now_ms) {
  update u;
  if (!parse_import_line(line, u, why, now_ms))
    return false;
  bytes_ += u.path.size() + u.value.size();
  entries_.push_back(std::move(u));
  return true;
}

bool import_batch::full() const {
  return entries_.size() >= import_batch_entries
         || bytes_ >= import_batch_bytes;
}

std::vector<update> import_batch::take() {
  bytes_ = 0;
  return std::exchange(entries_, {});
}

bool line_splitter::emit(std::string_view line, const on_line& f) {
  ++line_number_;
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos)
    return true;
  return f(line);
}

bool line_splitter::feed(std::string_view bytes, const on_line& f) {
  while (!bytes.empty()) {
    auto nl = bytes.find('\n');
    auto piece = bytes.substr(0, nl);
    if (partial_.size() + piece.size() > max_line_) {
      too_long_ = true;
      ++line_number_;
      return false;
    }
    if (nl == std::string_view::npos) {
      partial_.append(piece.data(), piece.size());
      return true;
    }
    bytes.remove_prefix(nl + 1);
    if (partial_.empty()) {
      if (!emit(piece, f))
        return false;
      continue;
    }
    partial_.append(piece.data(), piece.size());
    auto line = std::move(partial_);
    partial_.clear();
    if (!emit(line, f))
      return false;
  }
  return true;
}

bool line_splitter::finish(const on_line& f) {
  if (partial_.empty())
    return true;
  auto line = std::move(partial_);
  partial_.clear();
  return emit(line, f);
}

} // namespace p2p
