#include "actors/http/url.hpp"

#include "protocol/hex.hpp"

namespace p2p {

split_target split(std::string_view target) {
  auto q = target.find('?');
  if (q == std::string_view::npos)
    return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size())
      return std::nullopt;
    int hi = hex_digit(s[i + 1]);
    int lo = hex_digit(s[i + 2]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::optional<std::string_view> query_param(std::string_view query,
                                            std::string_view key) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == key)
      return eq == std::string_view::npos ? std::string_view{}
                                          : pair.substr(eq + 1);
    if (amp == std::string_view::npos)
      break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

} // namespace p2p
