#pragma once
// One peer link's WebSocket (Beast), accepted on /p2p or dialled. It reads
// frames and hands them, unparsed, to the bridge actor; it writes what the
// bridge gives it, one write in flight, from a bounded queue. It has no
// protocol logic: that is the bridge's and the peer actor's.
#include "actors/http/api_routes.hpp"
#include "actors/http/streams.hpp"
#include "actors/link/bridge_actor.hpp"

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>

namespace p2p {

/// A fresh id for a link (inbound or outbound).
uint64_t next_link_id();

/// The bridge's view of a link; the implementation is a template over
/// plain_stream and tls_stream (ws_link.cpp).
class ws_link {
public:
  struct env {
    std::weak_ptr<boost::asio::io_context> ioc;
    bridge_actor bridge;
  };

  virtual ~ws_link() = default;

  /// Takes over an HTTP connection that asked to upgrade on /p2p.
  template <class Stream>
  static void accept(Stream&& stream, const http_request& req, env e);

  /// Connects to `url` (http://host:port, or https:// with `tls` set);
  /// reports success to the bridge with link_open and failure with
  /// link_down, both under `id`.
  static void dial(boost::asio::io_context& ioc, env e, uint64_t id,
                   const std::string& url,
                   std::shared_ptr<boost::asio::ssl::context> tls);

  /// Queues a text frame; callable from any thread.
  virtual void send(std::string text) = 0;

  /// WebSocket close codes the node sends (RFC 6455 7.4.1).
  enum class close_code : uint16_t {
    normal = 1000,
    going_away = 1001, // the node shuts down
    policy = 1008,     // a protocol error
  };

  /// Sends what is queued, then a close frame, and ends the link; callable
  /// from any thread, any number of times (the first code that is not
  /// `normal` wins). The link reports link_down once the close is done.
  virtual void close(std::string reason, close_code code) = 0;
};

} // namespace p2p
