#pragma once
// POST /import: NDJSON entries (protocol/ndjson.hpp) merged into a live
// node through last-write-wins, as if a peer had sent them: what wins is
// stored, published and streamed on to the peers; what is older is not.
// The body is read in pieces and applied a batch at a time (1,000 lines or
// about 4 MiB), and reading waits while a batch commits, so memory stays
// bounded however large the body. It stops at the first bad line,
// answering 400 with its number and how many entries earlier batches
// applied (importing the file again is harmless).
#include "actors/http/api_routes.hpp"
#include "actors/http/streams.hpp"
#include "protocol/ndjson.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <caf/fwd.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <vector>

namespace p2p {

using header_parser =
  boost::beast::http::request_parser<boost::beast::http::string_body>;

template <class Stream>
class import_session
  : public std::enable_shared_from_this<import_session<Stream>> {
public:
  /// Takes over a connection whose request header has been read.
  import_session(Stream&& stream, boost::beast::flat_buffer&& buffer,
                 header_parser&& parser, std::shared_ptr<const api_context> ctx,
                 std::weak_ptr<boost::asio::io_context> ioc);

  void start();

private:
  void read_some();
  void on_read(boost::beast::error_code ec);
  bool take_line(std::string_view line);
  void send_batch();
  void on_batch(caf::expected<uint64_t> applied);
  void answer(unsigned status, std::string body);

  Stream stream_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::request_parser<boost::beast::http::buffer_body> parser_;
  std::shared_ptr<const api_context> ctx_;
  std::weak_ptr<boost::asio::io_context> ioc_;
  std::array<char, 64 * 1024> body_buf_;
  line_splitter lines_;
  import_batch batch_;
  std::string why_; // the bad line's fault
  uint64_t line_count_ = 0;
  uint64_t applied_ = 0;
  uint64_t now_ms_ = 0;
  bool body_done_ = false;
  std::string out_;
  // For the request's latency in /metrics (the whole import).
  std::chrono::steady_clock::time_point started_ =
    std::chrono::steady_clock::now();
};

/// True for POST /import (by its header).
bool is_import_request(const http_request& req);

} // namespace p2p
