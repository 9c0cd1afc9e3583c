#include "actors/http/export_session.hpp"

#include "actors/http/cors.hpp"
#include "actors/http/url.hpp"
#include "actors/metrics.hpp"
#include "protocol/ndjson.hpp"
#include "protocol/path.hpp"
#include "storage/database.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/ssl.hpp>

#include <array>

namespace p2p {

namespace net = boost::asio;
namespace beast = boost::beast;

namespace {

constexpr std::string_view chunked_head = "HTTP/1.1 200 OK\r\n"
                                          "Content-Type: application/x-ndjson\r\n"
                                          "Transfer-Encoding: chunked\r\n"
                                          "Connection: close\r\n"
                                          "\r\n";
// HTTP/1.0 has no chunks: the body ends where the connection does.
constexpr std::string_view plain_head = "HTTP/1.0 200 OK\r\n"
                                        "Content-Type: application/x-ndjson\r\n"
                                        "Connection: close\r\n"
                                        "\r\n";

} // namespace

bool is_export_request(const http_request& req) {
  auto [path, query] = split(req.target());
  return path == "/export"
         && req.method() == boost::beast::http::verb::get;
}

template <class Stream>
export_session<Stream>::export_session(Stream&& stream,
                                       std::shared_ptr<const api_context> ctx,
                                       std::string prefix, bool tombstones,
                                       bool chunked, std::string cors_lines)
  : stream_(std::move(stream)), ctx_(std::move(ctx)),
    prefix_(std::move(prefix)), tombstones_(tombstones), chunked_(chunked),
    cors_lines_(std::move(cors_lines)) {
}

// Its place among the exports running was taken by start_export.
template <class Stream>
export_session<Stream>::~export_session() {
  ctx_->exports_running->fetch_sub(1);
}

template <class Stream>
void export_session<Stream>::start() {
  ctx_->metrics->http.count(http_route::export_, 200); // a stream: not timed
  head_ = with_header_lines(chunked_ ? chunked_head : plain_head,
                            cors_lines_);
  write_page();
}

template <class Stream>
void export_session<Stream>::write_page() {
  lines_.clear(); // keeps its capacity: one page's buffer for the session
  auto page = ctx_->db->export_page(prefix_, tombstones_, after_);
  for (const auto& u : page)
    append_export_line(lines_, u);
  last_ = page.empty();
  // The page goes out as it is, framed by the buffers around it.
  chunk_size_.clear();
  std::string_view tail;
  if (chunked_ && !last_) {
    char size[20];
    chunk_size_.assign(size, static_cast<std::size_t>(std::snprintf(
                               size, sizeof size, "%zx\r\n", lines_.size())));
    tail = "\r\n";
  } else if (chunked_) {
    tail = "0\r\n\r\n";
  }
  std::array<net::const_buffer, 4> out{
    net::buffer(head_), net::buffer(chunk_size_), net::buffer(lines_),
    net::buffer(tail.data(), tail.size())};
  tcp_layer(stream_).expires_after(ctx_->limits.idle_timeout);
  net::async_write(stream_, out,
                   [self = this->shared_from_this()](beast::error_code ec,
                                                     std::size_t) {
                     self->head_.clear();
                     if (ec)
                       return; // the reader left: stop
                     if (!self->last_)
                       return self->write_page();
                     beast::error_code ignored;
                     tcp_layer(self->stream_).socket().shutdown(
                       net::ip::tcp::socket::shutdown_send, ignored);
                   });
}

namespace {

/// The refusal of an export (token, prefix), else nothing and its prefix.
std::optional<http_response> export_refusal(const api_context& ctx,
                                            const http_request& req,
                                            std::string& prefix) {
  if (auto denied = check_token(ctx, req, false))
    return denied;
  auto [path, query] = split(req.target());
  if (auto raw = query_param(query, "prefix")) {
    auto decoded = percent_decode(*raw);
    if (!decoded)
      return error_response(400, "bad percent-encoding", req);
    prefix = std::move(*decoded);
  }
  if (auto err = prefix_error(prefix); !err.empty())
    return error_response(400, err, req);
  return std::nullopt;
}

http_response exports_busy(const http_request& req) {
  auto res = error_response(503, "too many exports running; retry later", req);
  res.set(boost::beast::http::field::retry_after, "1");
  return res;
}

} // namespace

http_response export_head(const api_context& ctx, const http_request& req) {
  std::string prefix;
  if (auto refused = export_refusal(ctx, req, prefix))
    return std::move(*refused);
  // As the GET would be answered now (it takes a slot only when it runs).
  if (ctx.exports_running->load() >= ctx.limits.exports)
    return exports_busy(req);
  http_response res{boost::beast::http::status::ok, req.version()};
  res.set(boost::beast::http::field::content_type, "application/x-ndjson");
  if (req.version() >= 11)
    res.set(boost::beast::http::field::transfer_encoding, "chunked");
  res.keep_alive(req.keep_alive()); // no body follows: the connection stays
  return res;
}

template <class Stream>
void start_export(Stream&& stream, std::shared_ptr<const api_context> ctx,
                  const http_request& req, const reply_fn& reply) {
  std::string prefix;
  if (auto refused = export_refusal(*ctx, req, prefix))
    return reply(std::move(*refused));
  auto [path, query] = split(req.target());
  bool tombstones = query_param(query, "tombstones") == "1";
  if (ctx->exports_running->fetch_add(1) >= ctx->limits.exports) {
    ctx->exports_running->fetch_sub(1);
    return reply(exports_busy(req));
  }
  auto cors_lines = cors_header_lines(*ctx, origin_of(req));
  std::make_shared<export_session<Stream>>(std::move(stream), std::move(ctx),
                                           std::move(prefix), tombstones,
                                           req.version() >= 11,
                                           std::move(cors_lines))
    ->start();
}

template class export_session<plain_stream>;
template class export_session<tls_stream>;
template void start_export(plain_stream&&, std::shared_ptr<const api_context>,
                           const http_request&, const reply_fn&);
template void start_export(tls_stream&&, std::shared_ptr<const api_context>,
                           const http_request&, const reply_fn&);

} // namespace p2p
