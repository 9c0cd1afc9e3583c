#include "protocol/schema_set.hpp"

#include "protocol/json_text.hpp"

#include <algorithm>

namespace p2p {

void schema_set::set(const std::string& prefix, schema s) {
  for (auto& [p, existing] : schemas_)
    if (p == prefix) {
      existing = std::move(s);
      return;
    }
  schemas_.emplace_back(prefix, std::move(s));
}

bool schema_set::remove(const std::string& prefix) {
  auto it = std::find_if(schemas_.begin(), schemas_.end(),
                         [&](const auto& p) { return p.first == prefix; });
  if (it == schemas_.end())
    return false;
  schemas_.erase(it);
  return true;
}

bool schema_set::covers(std::string_view path) const {
  return std::any_of(schemas_.begin(), schemas_.end(), [&](const auto& p) {
    return path.compare(0, p.first.size(), p.first) == 0;
  });
}

std::vector<schema_violation>
schema_set::check(const std::string& path,
                  const boost::json::value& value) const {
  std::vector<schema_violation> out;
  for (const auto& [prefix, s] : schemas_) {
    if (path.compare(0, prefix.size(), prefix) != 0)
      continue;
    auto found = s.validate(value);
    out.insert(out.end(), std::make_move_iterator(found.begin()),
               std::make_move_iterator(found.end()));
  }
  return out;
}

std::string schema_set::describe(const std::string& path,
                                 const std::vector<schema_violation>& found) {
  std::string out = "{\"error\":";
  append_json_string(out, "the value for " + path + " breaks its schema ("
                            + std::to_string(found.size()) + " violation"
                            + (found.size() == 1 ? ")" : "s)"));
  out += ",\"violations\":[";
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (i)
      out += ',';
    out += "{\"where\":";
    append_json_string(out, found[i].where);
    out += ",\"message\":";
    append_json_string(out, found[i].message);
    out += '}';
  }
  out += "]}";
  return out;
}

} // namespace p2p
