#include "protocol/cors.hpp"

#include <algorithm>
#include <cctype>

namespace p2p {

namespace {

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
              return std::tolower(static_cast<unsigned char>(x))
                     == std::tolower(static_cast<unsigned char>(y));
            });
}

} // namespace

std::string cors_origin_error(std::string_view origin) {
  if (origin == "*")
    return {};
  auto scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos)
    return "an origin is scheme://host[:port] (or *)";
  auto scheme = origin.substr(0, scheme_end);
  if (!iequal(scheme, "http") && !iequal(scheme, "https"))
    return "an origin's scheme is http or https";
  auto authority = origin.substr(scheme_end + 3);
  if (authority.empty())
    return "an origin needs a host";
  for (char c : authority) {
    auto u = static_cast<unsigned char>(c);
    if (c == '/')
      return "an origin has no path (not even a trailing /), as browsers "
             "send it";
    if (c == '@' || c == '?' || c == '#' || u <= 0x20 || u >= 0x7f)
      return "an origin is scheme://host[:port], nothing more";
  }
  // Browsers leave the scheme's own port out of Origin: it could not match.
  std::string_view default_port = iequal(scheme, "https") ? ":443" : ":80";
  if (authority.size() > default_port.size()
      && authority.substr(authority.size() - default_port.size())
           == default_port)
    return "browsers send an origin without its default port; drop "
           + std::string(default_port);
  return {};
}

std::string cors_origins_error(const std::vector<std::string>& origins,
                               bool has_token) {
  for (const auto& origin : origins) {
    if (auto err = cors_origin_error(origin); !err.empty())
      return "--cors-origin " + origin + ": " + err;
    if (origin == "*" && has_token)
      return "--cors-origin * with --token-file: any page could then use a "
             "token its user typed in; list the origins instead";
  }
  return {};
}

std::string cors_allowed_origin(const std::vector<std::string>& origins,
                                std::string_view origin) {
  if (origin.empty())
    return {};
  for (const auto& allowed : origins) {
    if (allowed == "*")
      return "*";
    if (iequal(allowed, origin))
      return std::string(origin);
  }
  return {};
}

} // namespace p2p
