#include "actors/http/http_session.hpp"

#include "actors/http/cors.hpp"
#include "actors/http/export_session.hpp"
#include "actors/http/framing.hpp"
#include "actors/http/import_session.hpp"
#include "actors/http/io_hold.hpp"
#include "actors/http/sse_session.hpp"
#include "actors/link/ws_link.hpp"
#include "actors/metrics.hpp"
#include "protocol/json_text.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/ssl.hpp>

namespace p2p {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

namespace {

bool is_events_request(const http_request& req) {
  auto t = req.target();
  return req.method() == http::verb::get
         && (t == "/events" || t.starts_with("/events/")
             || t.starts_with("/events?"));
}

template <class Fields>
std::optional<framing_refusal> framing_refusal_of(
  const http::request_header<Fields>& h) {
  std::optional<std::string> codings;
  auto [it, end] = h.equal_range(http::field::transfer_encoding);
  for (; it != end; ++it) {
    codings = codings ? *codings + "," : std::string();
    codings->append(it->value().data(), it->value().size());
  }
  return check_framing(codings,
                       h.count(http::field::content_length) > 0,
                       h.version() < 11);
}

} // namespace

template <class Stream>
http_session<Stream>::http_session(Stream&& stream,
                                   std::shared_ptr<const api_context> ctx,
                                   std::weak_ptr<net::io_context> ioc)
  : stream_(std::move(stream)), ctx_(std::move(ctx)), ioc_(std::move(ioc)) {
}

template <class Stream>
void http_session<Stream>::run() {
  net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
    self->do_read();
  });
}

template <class Stream>
void http_session<Stream>::do_read() {
  parser_.emplace();
  origin_.clear();
  head_ = false;
  route_ = http_route::other;
  timed_ = false;
  // The limit is set once the header shows what the request is: an import
  // streams a body of any size (on_header).
  parser_->body_limit(boost::none);
  parser_->header_limit(static_cast<uint32_t>(ctx_->limits.header_bytes));
  tcp_layer(stream_).expires_after(ctx_->limits.idle_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = this->shared_from_this()](
                            beast::error_code ec, std::size_t n) {
                            self->on_header(ec, n);
                          });
}

// Imports stream their body to a session of their own; every other body
// is read whole, within the limit.
template <class Stream>
void http_session<Stream>::on_header(beast::error_code ec, std::size_t n) {
  if (!ec) {
    route_ = route_of(*ctx_, parser_->get().target());
    started_ = std::chrono::steady_clock::now();
    timed_ = true;
  }
  if (!ec)
    if (auto refusal = framing_refusal_of(parser_->get()))
      return fail_request(refusal->status, refusal->message);
  if (!ec && is_import_request(parser_->get())) {
    if (!ctx_->cors_origins.empty()) // CORS off: nothing reads it
      origin_ = origin_of(parser_->get());
    if (auto denied = check_token(*ctx_, parser_->get(), true))
      return fail_request(std::move(*denied));
    tcp_layer(stream_).expires_never();
    std::make_shared<import_session<Stream>>(std::move(stream_),
                                             std::move(buffer_),
                                             std::move(*parser_), ctx_, ioc_)
      ->start();
    return;
  }
  parser_->body_limit(ctx_->limits.body_bytes); // checked as chunks arrive
  auto length = parser_->content_length();
  if (!ec && length && *length > ctx_->limits.body_bytes)
    ec = http::error::body_limit;
  if (ec || parser_->is_done())
    return on_read(ec, n);
  auto read_body = [self = this->shared_from_this()] {
    http::async_read(self->stream_, self->buffer_, *self->parser_,
                     [self](beast::error_code ec, std::size_t n) {
                       self->on_read(ec, n);
                     });
  };
  continue_then(stream_, parser_->get()[http::field::expect], read_body);
}

template <class Stream>
void http_session<Stream>::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream || ec == beast::error::timeout
      || ec == net::error::connection_reset || ec == net::error::eof) {
    beast::error_code ignored;
    tcp_layer(stream_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    return;
  }
  if (ec == http::error::body_limit)
    return fail_request(413, "body larger than the limit");
  if (ec == http::error::header_limit)
    return fail_request(431, "request header too large");
  if (ec == http::error::partial_message) // the client went away mid-request
    return;
  if (ec)
    return fail_request(400, "malformed HTTP request: " + ec.message());
  auto req = parser_->release();
  if (!ctx_->cors_origins.empty())
    origin_ = origin_of(req);
  if (req.target() == "/p2p" && beast::websocket::is_upgrade(req)) {
    // No bridge while serving: the node has a token and no cluster secret,
    // and a link, which carries no token, would read and write everything.
    if (!ctx_->bridge)
      return send(error_response(
        403,
        "peer links are off on this node: with a token they need the "
        "cluster secret (--secret-file)",
        req));
    ctx_->metrics->http.count(http_route::link, 101);
    ws_link::accept(std::move(stream_), req, ws_link::env{ioc_, ctx_->bridge});
    return;
  }
  head_ = req.method() == http::verb::head;
  if (head_) // answered wherever GET is, as GET would be, without its body
    req.method(http::verb::get);
  if (auto preflight = preflight_response(*ctx_, req))
    return send(std::move(*preflight));
  if (is_export_request(req) && head_)
    return send(export_head(*ctx_, req));
  if (is_export_request(req))
    return start_export(std::move(stream_), ctx_, req,
                        [this](http_response res) { send(std::move(res)); });
  if (is_events_request(req)) {
    if (auto denied = check_token(*ctx_, req, false))
      return send(std::move(*denied));
    if (head_) // the stream's head only: nothing is subscribed
      return send(events_head(req));
    tcp_layer(stream_).expires_never();
    std::make_shared<sse_session<Stream>>(std::move(stream_), ctx_, ioc_)
      ->start(req);
    return;
  }
  route_request(*ctx_, req,
                [hold = make_io_hold(ioc_, this->shared_from_this())](
                  http_response res) {
                  // May run on an actor's thread: hop onto our strand.
                  auto self = hold->obj;
                  net::post(self->stream_.get_executor(),
                            [self, res = std::move(res)]() mutable {
                              self->send(std::move(res));
                            });
                });
}

template <class Stream>
void http_session<Stream>::send(http_response res) {
  note_answer(res.result_int());
  bool keep_alive = res.keep_alive();
  add_cors_headers(*ctx_, origin_, res);
  if (head_) // Content-Length stays as the GET's body set it
    res.body().clear();
  serialize_response(res, out_);
  tcp_layer(stream_).expires_after(ctx_->limits.idle_timeout);
  net::async_write(stream_, net::buffer(out_),
                   [self = this->shared_from_this(), keep_alive](
                     beast::error_code ec, std::size_t n) {
                     self->on_write(keep_alive, ec, n);
                   });
}

template <class Stream>
void http_session<Stream>::on_write(bool keep_alive, beast::error_code ec,
                            std::size_t) {
  if (ec)
    return;
  if (!keep_alive) {
    beast::error_code ignored;
    tcp_layer(stream_).socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    return;
  }
  do_read();
}

template <class Stream>
void http_session<Stream>::note_answer(unsigned status) {
  if (timed_)
    ctx_->metrics->http.record(route_, status,
                               std::chrono::steady_clock::now() - started_);
  else
    ctx_->metrics->http.count(route_, status);
  timed_ = false;
}

template <class Stream>
void http_session<Stream>::fail_request(unsigned status, std::string_view message) {
  http_response res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "application/json");
  res.body() = json_error(message);
  fail_request(std::move(res));
}

template <class Stream>
void http_session<Stream>::fail_request(http_response res) {
  note_answer(res.result_int());
  add_cors_headers(*ctx_, origin_, res);
  res.set(http::field::connection, "close");
  res.keep_alive(false);
  res.prepare_payload();
  res_ = std::make_shared<http_response>(std::move(res));
  tcp_layer(stream_).expires_after(linger_time);
  http::async_write(stream_, *res_,
                    [self = this->shared_from_this()](beast::error_code ec,
                                                std::size_t) {
                      if (!ec)
                        self->linger_close();
                    });
}

template <class Stream>
void http_session<Stream>::linger_close() {
  close_after_draining(stream_, net::buffer(drain_buf_),
                       this->shared_from_this());
}

template class http_session<plain_stream>;
template class http_session<tls_stream>;

} // namespace p2p
