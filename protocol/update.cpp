#include "p2psync/update.hpp"

#include "protocol/json_text.hpp"

namespace p2p {

void append_json(std::string& out, const update& u) {
  out += "{\"path\":";
  append_json_string(out, u.path);
  out += ",\"value\":";
  out += u.value;
  out += ",\"timestamp\":";
  out += std::to_string(wall_ms_of(u.time));
  out += ",\"origin\":";
  append_json_string(out, u.origin);
  out += '}';
}

std::string to_answer_json(const update& u) {
  std::string out;
  out.reserve(u.path.size() + u.value.size() + u.origin.size() + 96);
  append_json(out, u);
  out.pop_back();
  out += ",\"hlc\":";
  append_u64_string(out, u.time);
  out += '}';
  return out;
}

} // namespace p2p
