#pragma once
// One peer link's WebSocket (Beast), accepted on /p2p or dialled. It reads
// frames and hands them, unparsed, to the bridge actor; it writes what the
// bridge gives it, one write in flight, from a bounded queue. It has no
// protocol logic: that is the bridge's and the peer actor's.
#include "actors/http/api_routes.hpp"
#include "actors/link/bridge_actor.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <deque>
#include <memory>
#include <string>

namespace p2p {

/// A fresh id for a link (inbound or outbound).
uint64_t next_link_id();

class ws_link : public std::enable_shared_from_this<ws_link> {
public:
  struct env {
    std::weak_ptr<boost::asio::io_context> ioc;
    bridge_actor bridge;
  };

  ws_link(boost::asio::ip::tcp::socket&& socket, env e, uint64_t id,
          bool outbound);
  ~ws_link();

  /// Takes over an HTTP connection that asked to upgrade on /p2p.
  static void accept(boost::asio::ip::tcp::socket&& socket,
                     const http_request& req, env e);

  /// Connects to `url` (http://host:port); reports success to the bridge
  /// with link_open and failure with link_down, both under `id`.
  static void dial(boost::asio::io_context& ioc, env e, uint64_t id,
                   const std::string& url);

  /// Queues a text frame; callable from any thread.
  void send(std::string text);

  /// Sends a close frame (1008 for a protocol error) and ends the link;
  /// callable from any thread.
  void close(std::string reason, bool protocol_error);

private:
  void opened(std::string address);
  void do_read();
  void do_write();
  void fail(const std::string& reason);

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  env env_;
  uint64_t id_;
  bool outbound_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  bool close_for_protocol_error_ = false;
  bool reported_down_ = false;
};

} // namespace p2p
