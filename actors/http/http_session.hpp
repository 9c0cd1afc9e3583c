#pragma once
// One HTTP/1.1 connection: reads a request with explicit limits and a
// timeout, answers it (possibly later, when an actor replies), and keeps
// the connection alive. One response in flight at a time. Stream is
// plain_stream or tls_stream (streams.hpp).
#include "actors/http/api_routes.hpp"
#include "actors/http/route_label.hpp"
#include "actors/http/streams.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include <chrono>
#include <memory>
#include <optional>

namespace p2p {

template <class Stream>
class http_session
  : public std::enable_shared_from_this<http_session<Stream>> {
public:
  http_session(Stream&& stream,
               std::shared_ptr<const api_context> ctx,
               std::weak_ptr<boost::asio::io_context> ioc);

  void run();

private:
  void do_read();
  void on_header(boost::beast::error_code ec, std::size_t bytes);
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void send(http_response res);
  void on_write(bool keep_alive, boost::beast::error_code ec, std::size_t);
  /// Answers a request that could not be parsed, then closes gracefully.
  void fail_request(unsigned status, std::string_view message);
  void fail_request(http_response res);
  void linger_close();
  /// Counts the answer in the metrics, timed from the request's header.
  void note_answer(unsigned status);

  Stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<
    boost::beast::http::string_body>>
    parser_;
  std::shared_ptr<const api_context> ctx_;
  std::weak_ptr<boost::asio::io_context> ioc_;
  std::shared_ptr<http_response> res_; // an error answer being written
  std::string out_;                    // the answer being written
  std::array<char, 4096> drain_buf_;
  // The request being answered: its Origin (CORS), and whether it is a
  // HEAD, answered as its GET without the body.
  std::string origin_;
  bool head_ = false;
  http_route route_ = http_route::other; // of the request being answered
  std::chrono::steady_clock::time_point started_; // its header read
  bool timed_ = false;                            // started_ is its
};

} // namespace p2p
