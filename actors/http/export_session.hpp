#pragma once
// GET /export[?prefix=P&tombstones=1]: the entries under a prefix as NDJSON
// (protocol/ndjson.hpp), streamed in chunks of one page each. A page is
// read from its own snapshot when the previous one has been written, so a
// store of any size costs one page of memory, and a slow reader holds no
// LMDB snapshot open; on a live node, entries written during the export
// may or may not be in it (a later import settles them by their stamps).
// A slow reader keeps its page for as long as it takes to read it, so only
// http_limits::exports run at once; one more is answered 503.
#include "actors/http/api_routes.hpp"
#include "actors/http/streams.hpp"

#include <atomic>
#include <memory>
#include <string>

namespace p2p {

template <class Stream>
class export_session
  : public std::enable_shared_from_this<export_session<Stream>> {
public:
  /// `chunked`: HTTP/1.1 chunks; otherwise (HTTP/1.0) the body ends with
  /// the connection.
  /// `cors_lines`: header lines to add to the head (cors.hpp).
  export_session(Stream&& stream, std::shared_ptr<const api_context> ctx,
                 std::string prefix, bool tombstones, bool chunked,
                 std::string cors_lines = {});
  ~export_session();

  void start();

private:
  void write_page();

  Stream stream_;
  std::shared_ptr<const api_context> ctx_;
  std::string prefix_;
  bool tombstones_;
  bool chunked_;
  std::string after_;      // the last path written
  std::string head_;       // the HTTP head, until the first write is done
  std::string chunk_size_; // the chunk's size line
  std::string lines_;      // the page being written
  bool last_ = false;
  std::string cors_lines_;
};

/// True for GET /export.
bool is_export_request(const http_request& req);

/// HEAD /export: GET's status and headers, no body, no export started.
http_response export_head(const api_context& ctx, const http_request& req);

/// Hands the connection to an export session (checks prefix and token).
template <class Stream>
void start_export(Stream&& stream, std::shared_ptr<const api_context> ctx,
                  const http_request& req, const reply_fn& reply);

} // namespace p2p
