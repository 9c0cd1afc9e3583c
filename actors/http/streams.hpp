#pragma once
// The two byte streams a connection runs on: plain TCP, or TLS over TCP
// (with --tls-cert/--tls-key). The session classes are templates over
// these two, instantiated once each in their .cpp files.
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace p2p {

using plain_stream = boost::beast::tcp_stream;
using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

/// The TCP layer under either stream (timeouts, shutdown).
template <class Stream>
boost::beast::tcp_stream& tcp_layer(Stream& s) {
  return boost::beast::get_lowest_layer(s);
}

} // namespace p2p
