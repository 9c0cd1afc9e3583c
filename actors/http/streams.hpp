#pragma once
// The two byte streams a connection runs on: plain TCP, or TLS over TCP
// (with --tls-cert/--tls-key). The session classes are templates over
// these two, instantiated once each in their .cpp files.
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>

#include <chrono>
#include <string>

namespace p2p {

using plain_stream = boost::beast::tcp_stream;
using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

/// The TCP layer under either stream (timeouts, shutdown).
template <class Stream>
boost::beast::tcp_stream& tcp_layer(Stream& s) {
  return boost::beast::get_lowest_layer(s);
}

/// After an answer sent before the request ended, how long unread request
/// bytes are drained so the client sees the answer instead of a reset.
constexpr auto linger_time = std::chrono::seconds(2);

/// Calls `next` once the client may send its body: at once, or after our
/// `100 Continue` when it sent `Expect: 100-continue` (curl does for larger
/// bodies and otherwise waits a second before sending).
template <class Stream, class Next>
void continue_then(Stream& stream, boost::beast::string_view expect,
                   Next next) {
  if (!boost::beast::iequals(expect, "100-continue"))
    return next();
  static const std::string go_ahead = "HTTP/1.1 100 Continue\r\n\r\n";
  boost::asio::async_write(stream, boost::asio::buffer(go_ahead),
                           [next](boost::beast::error_code ec, std::size_t) {
                             if (!ec)
                               next();
                           });
}

/// Half-closes, then reads and drops what the client is still sending
/// until it closes or the stream's timer ends: closing a socket with unread
/// data would send a reset, and the client might never see the answer just
/// written. `keep` (the stream's owner) stays alive until then.
template <class Stream, class Keep>
void close_after_draining(Stream& stream, boost::asio::mutable_buffer scratch,
                          Keep keep) {
  boost::beast::error_code ignored;
  tcp_layer(stream).socket().shutdown(
    boost::asio::ip::tcp::socket::shutdown_send, ignored);
  stream.async_read_some(scratch, [&stream, scratch, keep](
                                    boost::beast::error_code ec, std::size_t) {
    if (!ec)
      close_after_draining(stream, scratch, keep);
  });
}

} // namespace p2p
