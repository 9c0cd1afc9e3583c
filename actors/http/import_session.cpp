#include "actors/http/import_session.hpp"

#include "actors/http/cors.hpp"
#include "actors/http/io_hold.hpp"
#include "actors/http/url.hpp"
#include "actors/metrics.hpp"
#include "protocol/json_text.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/ssl.hpp>
#include <caf/all.hpp>

namespace p2p {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {


} // namespace

bool is_import_request(const http_request& req) {
  auto [path, query] = split(req.target());
  return path == "/import" && req.method() == http::verb::post;
}

template <class Stream>
import_session<Stream>::import_session(Stream&& stream,
                                       beast::flat_buffer&& buffer,
                                       header_parser&& parser,
                                       std::shared_ptr<const api_context> ctx,
                                       std::weak_ptr<net::io_context> ioc)
  : stream_(std::move(stream)), buffer_(std::move(buffer)),
    parser_(std::move(parser)), ctx_(std::move(ctx)), ioc_(std::move(ioc)) {
  parser_.body_limit(boost::none); // bounded by batches, not by size
}

template <class Stream>
void import_session<Stream>::start() {
  now_ms_ = system_wall_ms();
  continue_then(stream_, parser_.get()[http::field::expect],
                [self = this->shared_from_this()] { self->read_some(); });
}

template <class Stream>
void import_session<Stream>::read_some() {
  if (parser_.is_done()) {
    body_done_ = true;
    if (!lines_.finish([this](std::string_view l) { return take_line(l); }))
      return answer(400, {});
    return send_batch();
  }
  parser_.get().body().data = body_buf_.data();
  parser_.get().body().size = body_buf_.size();
  tcp_layer(stream_).expires_after(ctx_->limits.idle_timeout);
  http::async_read_some(stream_, buffer_, parser_,
                        [self = this->shared_from_this()](beast::error_code ec,
                                                          std::size_t) {
                          self->on_read(ec);
                        });
}

template <class Stream>
void import_session<Stream>::on_read(beast::error_code ec) {
  if (ec == http::error::need_buffer)
    ec = {};
  if (ec == http::error::partial_message || ec == beast::error::timeout
      || ec == net::error::eof || ec == net::error::connection_reset)
    return; // the client went away: there is no one to answer
  if (ec) {
    why_ = "malformed HTTP body: " + ec.message();
    return answer(400, {});
  }
  auto used = body_buf_.size() - parser_.get().body().size;
  bool ok = lines_.feed(std::string_view(body_buf_.data(), used),
                        [this](std::string_view l) { return take_line(l); });
  if (!ok) {
    if (lines_.too_long())
      why_ = lines_.too_long_reason();
    return answer(400, {});
  }
  if (batch_.full())
    return send_batch();
  read_some();
}

template <class Stream>
bool import_session<Stream>::take_line(std::string_view line) {
  ++line_count_;
  return batch_.add_line(line, why_, now_ms_);
}

// Reading resumes only once the batch is durable: the socket is the queue.
template <class Stream>
void import_session<Stream>::send_batch() {
  if (batch_.empty())
    return on_batch(uint64_t{0});
  auto hold = make_io_hold(ioc_, this->shared_from_this());
  auto done = [hold](caf::expected<uint64_t> applied) {
    auto self = hold->obj;
    net::post(self->stream_.get_executor(),
              [self, applied = std::move(applied)]() mutable {
                self->on_batch(std::move(applied));
              });
  };
  // Checked line by line already: it goes in as a peer's batch would (with
  // no sender, so it streams to every peer), not through import's checks.
  write_batch batch{batch_.take(), {}, {}, 0};
  ctx_->system->spawn([router = ctx_->router, batch = std::move(batch),
                       done](caf::event_based_actor* self) mutable {
    self->request(router, caf::infinite, remote_atom::value, std::move(batch))
      .then([done](uint64_t n) { done(n); },
            [done](caf::error& err) { done(std::move(err)); });
  });
}

template <class Stream>
void import_session<Stream>::on_batch(caf::expected<uint64_t> applied) {
  if (!applied) {
    why_ = error_message(applied.error());
    return answer(is_error(applied.error(), p2p_errc::storage_failure) ? 500
                                                                       : 400,
                  {});
  }
  applied_ += *applied;
  now_ms_ = system_wall_ms(); // a long import judges skew by the time now
  if (!body_done_)
    return read_some();
  answer(200, "{\"lines\":" + std::to_string(line_count_) + ",\"applied\":"
                + std::to_string(applied_) + "}");
}

template <class Stream>
void import_session<Stream>::answer(unsigned status, std::string body) {
  if (body.empty()) { // an error: say where it stopped
    body = "{\"error\":";
    append_json_string(body, "line " + std::to_string(lines_.line_number())
                               + ": " + why_);
    body += ",\"applied\":" + std::to_string(applied_) + '}';
  }
  ctx_->metrics->http.record(http_route::import, status,
                             std::chrono::steady_clock::now() - started_);
  auto res = make_response(status, std::move(body), 11, false);
  add_cors_headers(*ctx_, origin_of(parser_.get()), res);
  serialize_response(res, out_);
  tcp_layer(stream_).expires_after(linger_time);
  net::async_write(stream_, net::buffer(out_),
                   [self = this->shared_from_this()](beast::error_code ec,
                                                     std::size_t) {
                     if (!ec)
                       close_after_draining(self->stream_,
                                            net::buffer(self->body_buf_), self);
                   });
}

template class import_session<plain_stream>;
template class import_session<tls_stream>;

} // namespace p2p
