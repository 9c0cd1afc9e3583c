#include "protocol/peer_url.hpp"

#include <boost/url/parse.hpp>

#include <charconv>

namespace p2p {

namespace {

bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
         || (c >= '0' && c <= '9');
}

// RFC 3986 allows sub-delims and escapes in a reg-name; a resolver wants
// letters, digits, '-', '_' and dots between non-empty labels.
bool is_host_name(std::string_view name) {
  if (name.empty() || name.size() > 253 || name.front() == '.'
      || name.front() == '-')
    return false;
  char prev = 0;
  for (char c : name) {
    if (!is_ascii_alnum(c) && c != '-' && c != '_' && c != '.')
      return false;
    if (c == '.' && prev == '.')
      return false;
    prev = c;
  }
  return true;
}

peer_url_parse refuse(std::string why) {
  return {std::nullopt, std::move(why)};
}

// "http://::1:3000": a reader cannot tell the port from the address.
bool is_bare_ipv6(std::string_view text) {
  auto start = text.find("://");
  if (start == std::string_view::npos)
    return false;
  auto authority = text.substr(start + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1); // userinfo may hold a ':'
  return authority.find('[') == std::string_view::npos
         && authority.find(':') != authority.rfind(':');
}

} // namespace

std::string host_port(std::string_view host, uint16_t port) {
  std::string out;
  bool v6 = host.find(':') != std::string_view::npos;
  if (v6)
    out += '[';
  out += host;
  if (v6)
    out += ']';
  return out + ':' + std::to_string(port);
}

std::string peer_url::text() const {
  return std::string(tls ? "https://" : "http://") + host_port(host, port);
}

peer_url_parse parse_peer_url(std::string_view text) {
  if (is_bare_ipv6(text))
    return refuse("an IPv6 address goes in brackets: http://[::1]:port");
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed)
    return refuse("not a URL like http://host:port");
  const auto& u = *parsed;
  peer_url out;
  // scheme() keeps the text's case; schemes compare case-insensitively.
  auto scheme = u.scheme_id();
  using boost::urls::scheme;
  if (scheme == scheme::http || scheme == scheme::ws)
    out.tls = false;
  else if (scheme == scheme::https || scheme == scheme::wss)
    out.tls = true;
  else
    return refuse("the scheme must be http, https, ws or wss");
  if (!u.has_authority())
    return refuse("no host: write http://host:port");
  if (u.has_userinfo())
    return refuse("a user or password in the URL is not supported");
  switch (u.host_type()) {
  case boost::urls::host_type::ipv4:
  case boost::urls::host_type::ipv6:
    out.host = std::string(u.encoded_host_address());
    break;
  case boost::urls::host_type::name:
    out.host = std::string(u.encoded_host());
    if (out.host.empty())
      return refuse("no host: write http://host:port");
    if (!is_host_name(out.host))
      return refuse("bad host name '" + out.host + "'");
    break;
  default:
    return refuse("the host must be a name, an IPv4 or an IPv6 address");
  }
  auto port = u.port();
  if (!u.has_port() || port.empty())
    return refuse("no port: write http://host:port");
  unsigned number = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(),
                                   number);
  if (ec != std::errc{} || end != port.data() + port.size() || number == 0
      || number > 65535)
    return refuse("the port must be a number from 1 to 65535");
  out.port = static_cast<uint16_t>(number);
  if (!u.encoded_path().empty() && u.encoded_path() != "/")
    return refuse("a peer URL has no path (the link is always /p2p)");
  if (u.has_query() || u.has_fragment())
    return refuse("a peer URL has no query or fragment");
  return {std::move(out), {}};
}

} // namespace p2p
