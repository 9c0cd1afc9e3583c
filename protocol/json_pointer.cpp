#include "protocol/json_pointer.hpp"

#include "protocol/path.hpp"

#include <boost/json/value.hpp>

namespace p2p {

namespace {

constexpr std::size_t max_pointer_bytes = 256;

/// The token with `~1` and `~0` undone (in that order, as RFC 6901 says).
std::string unescape(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size()) {
      out += token[i + 1] == '1' ? '/' : '~';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

/// An array index token: digits without a leading zero.
bool array_index(std::string_view token, std::size_t& out) {
  if (token.empty() || token.size() > 9 || (token.size() > 1 && token[0] == '0'))
    return false;
  out = 0;
  for (char c : token) {
    if (c < '0' || c > '9')
      return false;
    out = out * 10 + static_cast<std::size_t>(c - '0');
  }
  return true;
}

} // namespace

std::string pointer_error(std::string_view pointer) {
  if (pointer.empty())
    return {};
  if (pointer.front() != '/')
    return "a field must be a JSON pointer: empty or starting with '/'";
  if (pointer.size() > max_pointer_bytes)
    return "a field pointer is limited to 256 bytes";
  if (!is_valid_utf8(pointer))
    return "a field pointer must be UTF-8";
  for (std::size_t i = 0; i < pointer.size(); ++i)
    if (pointer[i] == '~'
        && (i + 1 == pointer.size()
            || (pointer[i + 1] != '0' && pointer[i + 1] != '1')))
      return "'~' in a field pointer must be '~0' or '~1'";
  return {};
}

const boost::json::value* resolve_pointer(const boost::json::value& root,
                                          std::string_view pointer) {
  const boost::json::value* at = &root;
  while (!pointer.empty() && at) {
    pointer.remove_prefix(1); // the '/'
    auto end = pointer.find('/');
    auto token = pointer.substr(0, end);
    pointer = end == std::string_view::npos ? std::string_view{}
                                            : pointer.substr(end);
    if (const auto* obj = at->if_object()) {
      at = obj->if_contains(unescape(token));
    } else if (const auto* arr = at->if_array()) {
      std::size_t i = 0;
      at = array_index(token, i) && i < arr->size() ? &(*arr)[i] : nullptr;
    } else {
      at = nullptr;
    }
  }
  return at;
}

} // namespace p2p
