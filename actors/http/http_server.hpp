#pragma once
// The node's listening socket and its I/O threads. Each accepted connection
// gets an http_session; an upgrade turns it into an SSE stream (or, with
// peer links, a WebSocket link). Beast stays inside the .cpp files.
#include "actors/http/api_context.hpp"
#include "actors/http/tls.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace p2p {

class http_server {
public:
  /// With `tls.cert` set the port speaks HTTPS and WSS only; throws
  /// std::runtime_error on bad TLS files.
  http_server(std::shared_ptr<const api_context> ctx, const tls_files& tls);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds and listens; throws std::runtime_error with the reason on
  /// failure. Returns the bound port (useful with port 0).
  uint16_t listen(const std::string& host, uint16_t port);

  /// Starts accepting on `threads` I/O threads.
  void start(int threads);

  /// Opens outbound peer links on this server's I/O threads (https:// ones
  /// with the client TLS context).
  link_dialer dialer();

  /// Stops accepting, closes every connection, joins the threads.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace p2p
