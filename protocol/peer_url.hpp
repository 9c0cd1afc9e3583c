#pragma once
// Peer URLs (`--peer http://host:port`), parsed once where they are read
// (the launcher's flags) and again where they are dialled, by one parser.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace p2p {

struct peer_url {
  bool tls = false;  // https:// or wss://
  std::string host;  // a name, IPv4, or IPv6 without its brackets
  uint16_t port = 0; // 1 to 65535, never defaulted

  /// The canonical form: lower-case scheme, IPv6 host in brackets, no path.
  std::string text() const;
};

struct peer_url_parse {
  std::optional<peer_url> url;
  std::string error; // why `url` is empty: says what is wrong with the text
};

/// Accepts http, https, ws and wss URLs with a host and an explicit port,
/// and an empty or "/" path; refuses userinfo, query, fragment, percent
/// escapes or odd characters in a host name, and IPvFuture hosts.
peer_url_parse parse_peer_url(std::string_view text);

/// `host:port`, with an IPv6 host in brackets, as a URL's authority.
std::string host_port(std::string_view host, uint16_t port);

} // namespace p2p
