#include "actors/http/sse_session.hpp"

#include "actors/http/io_hold.hpp"
#include "actors/http/url.hpp"
#include "actors/metrics.hpp"
#include "protocol/json_text.hpp"
#include "protocol/path.hpp"
#include "storage/database.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl.hpp>
#include <caf/all.hpp>

#include <charconv>

namespace p2p {

namespace net = boost::asio;
namespace http = boost::beast::http;

namespace {

constexpr auto heartbeat_interval = std::chrono::seconds(15);
constexpr auto subscribe_timeout = std::chrono::seconds(10);

constexpr std::string_view stream_head = "HTTP/1.1 200 OK\r\n"
                                         "Content-Type: text/event-stream\r\n"
                                         "Cache-Control: no-cache\r\n"
                                         "Connection: close\r\n"
                                         "\r\n"
                                         ": subscribed\n\n";

// Holds the session and its io_context weakly (the session owns the
// subscription, not the other way round), and locks the io_context first:
// a session it briefly keeps alive is released before the io_context.
template <class Session>
subscriber_actor::behavior_type
forward_to_session(subscriber_actor::pointer,
                   std::weak_ptr<boost::asio::io_context> ioc,
                   std::weak_ptr<Session> session) {
  return {
    [ioc, session](const change& c) {
      auto io = ioc.lock();
      if (!io)
        return;
      if (auto s = session.lock())
        s->push(c);
    },
  };
}

} // namespace

template <class Stream>
sse_session<Stream>::sse_session(Stream&& stream,
                                 std::shared_ptr<const api_context> ctx,
                                 std::weak_ptr<net::io_context> ioc)
  : stream_(std::move(stream)),
    ctx_(std::move(ctx)),
    ioc_(std::move(ioc)),
    timer_(stream_.get_executor()) {
  ctx_->metrics->sse_clients.fetch_add(1);
}

template <class Stream>
sse_session<Stream>::~sse_session() {
  ctx_->metrics->sse_clients.fetch_sub(1);
  if (subscription_id_ != 0)
    caf::anon_send(ctx_->router, unsubscribe_atom::value, subscription_id_);
  if (subscriber_)
    caf::anon_send_exit(subscriber_, caf::exit_reason::user_shutdown);
}

template <class Stream>
void sse_session<Stream>::start(const http_request& req) {
  auto [raw_path, query] = split(req.target());
  std::string_view raw_prefix = raw_path.size() > 8 ? raw_path.substr(8) : "";
  auto prefix = percent_decode(raw_prefix);
  std::string why = prefix ? prefix_error(*prefix) : "bad percent-encoding";
  if (!why.empty()) {
    auto res = std::make_shared<http_response>(error_response(400, why, req));
    res->keep_alive(false);
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](auto, std::size_t) {
                        self->close();
                      });
    return;
  }
  prefix_ = *prefix;
  if (auto h = req.find("Last-Event-ID"); h != req.end()) {
    uint64_t n = 0;
    auto v = h->value();
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec == std::errc{} && end == v.data() + v.size())
      last_event_id_ = n;
  }
  queue_.emplace_back(stream_head);
  subscriber_ = ctx_->system->spawn(forward_to_session<sse_session>, ioc_,
                                    std::weak_ptr<sse_session>(
                                      this->shared_from_this()));
  auto router = ctx_->router;
  auto sub = subscriber_;
  auto hold = make_io_hold(ioc_, this->shared_from_this());
  ctx_->system->spawn([=](caf::event_based_actor* asker) {
    asker->request(router, subscribe_timeout, subscribe_atom::value, *prefix,
                   sub)
      .then(
        [hold](uint64_t id) {
          auto self = hold->obj;
          net::post(self->stream_.get_executor(),
                    [self, id] { self->on_subscribed(id); });
        },
        [hold](caf::error&) {
          auto self = hold->obj;
          net::post(self->stream_.get_executor(), [self] { self->close(); });
        });
  });
}

namespace {

std::string event_text(const update& u, uint64_t seq) {
  std::string text = "id: " + std::to_string(seq) + "\ndata: ";
  append_json(text, u);
  text += "\n\n";
  return text;
}

} // namespace

template <class Stream>
void sse_session<Stream>::on_subscribed(uint64_t id) {
  subscription_id_ = id;
  subscribed_ = true;
  // Subscribed first, replayed second: nothing falls between the two. Live
  // events wait in early_ until the replay is done; what both deliver is
  // sent once (by seq).
  if (last_event_id_) {
    // An id from another database (larger than any here) replays nothing.
    auto last = ctx_->db->last_seq();
    replay_from_ = std::min(*last_event_id_, last);
    replay_to_ = last;
    replaying_ = replay_from_ < replay_to_;
  }
  watch_for_close();
  heartbeat();
  replay_chunk();
}

// One bounded chunk at a time, the next when the queue has drained, so a
// long backlog costs neither memory nor a long stall of this I/O thread.
template <class Stream>
void sse_session<Stream>::replay_chunk() {
  constexpr std::size_t chunk_items = 256;
  constexpr std::size_t chunk_bytes = 256 * 1024;
  // Chunks that hold nothing under the prefix are skipped at once.
  while (replaying_ && !closed_ && queue_.empty()) {
    auto recs = ctx_->db->changes_since(replay_from_, chunk_items, chunk_bytes);
    for (const auto& r : recs) {
      if (r.seq > replay_to_)
        break;
      if (is_under(r.u.path, prefix_))
        enqueue(event_text(r.u, r.seq));
      replay_from_ = r.seq;
    }
    // A chunk may end early at its byte bound: only an empty one (or
    // reaching the end) means the backlog is done.
    if (recs.empty() || replay_from_ >= replay_to_)
      replaying_ = false;
  }
  if (!replaying_) {
    for (auto& [seq, text] : early_)
      if (seq > replay_from_)
        enqueue(std::move(text));
    early_.clear();
  }
  write_next();
}

template <class Stream>
void sse_session<Stream>::on_event(uint64_t seq, std::string text) {
  if (!subscribed_ || replaying_) {
    early_bytes_ += text.size();
    early_.emplace_back(seq, std::move(text));
    if (early_bytes_ > ctx_->limits.sse_queue_bytes)
      close(); // live events pile up faster than the replay drains
    return;
  }
  if (seq > replay_from_)
    enqueue(std::move(text));
}

template <class Stream>
void sse_session<Stream>::push(const change& c) {
  net::post(stream_.get_executor(),
            [self = this->shared_from_this(), seq = c.seq,
             text = event_text(c.u, c.seq)]() mutable {
              self->on_event(seq, std::move(text));
            });
}

template <class Stream>
void sse_session<Stream>::enqueue(std::string text) {
  if (closed_)
    return;
  queued_bytes_ += text.size();
  queue_.push_back(std::move(text));
  if (queued_bytes_ > ctx_->limits.sse_queue_bytes)
    return close(); // too slow: drop it rather than buffer without bound
  write_next();
}

template <class Stream>
void sse_session<Stream>::write_next() {
  if (writing_ || closed_ || !subscribed_ || queue_.empty())
    return;
  writing_ = true;
  net::async_write(stream_, net::buffer(queue_.front()),
                   [self = this->shared_from_this()](boost::system::error_code ec,
                                               std::size_t) {
                     self->writing_ = false;
                     if (ec)
                       return self->close();
                     self->queued_bytes_ -= std::min(
                       self->queued_bytes_, self->queue_.front().size());
                     self->queue_.pop_front();
                     if (self->queue_.empty() && self->replaying_)
                       return self->replay_chunk();
                     self->write_next();
                   });
}

// A client sends nothing after its request; a read completes only when it
// goes away, which is how we learn to unsubscribe.
template <class Stream>
void sse_session<Stream>::watch_for_close() {
  stream_.async_read_some(net::buffer(read_buf_),
                          [self = this->shared_from_this()](
                            boost::system::error_code ec, std::size_t) {
                            if (ec)
                              return self->close();
                            self->watch_for_close();
                          });
}

template <class Stream>
void sse_session<Stream>::heartbeat() {
  timer_.expires_after(heartbeat_interval);
  timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
    if (ec || self->closed_)
      return;
    self->enqueue(": ping\n\n");
    self->heartbeat();
  });
}

template <class Stream>
void sse_session<Stream>::close() {
  if (closed_)
    return;
  closed_ = true;
  boost::system::error_code ignored;
  timer_.cancel();
  tcp_layer(stream_).socket().shutdown(net::ip::tcp::socket::shutdown_both,
                                       ignored);
  tcp_layer(stream_).socket().close(ignored);
  if (subscription_id_ != 0) {
    caf::anon_send(ctx_->router, unsubscribe_atom::value, subscription_id_);
    subscription_id_ = 0;
  }
  if (subscriber_) {
    caf::anon_send_exit(subscriber_, caf::exit_reason::user_shutdown);
    subscriber_ = nullptr;
  }
}

template class sse_session<plain_stream>;
template class sse_session<tls_stream>;

} // namespace p2p
