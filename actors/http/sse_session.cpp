#include "actors/http/sse_session.hpp"

#include "actors/http/cors.hpp"
#include "actors/http/io_hold.hpp"
#include "actors/http/url.hpp"
#include "actors/metrics.hpp"
#include "actors/stream_budget.hpp"
#include "actors/stream_event.hpp"
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
                                         "\r\n";
constexpr std::string_view first_comment = ": subscribed\n\n";

/// The prefix of GET /events/<prefix>, or why it is refused.
std::optional<std::string> events_prefix(const http_request& req,
                                         std::string& why) {
  auto [raw_path, query] = split(req.target());
  std::string_view raw_prefix = raw_path.size() > 8 ? raw_path.substr(8) : "";
  auto prefix = percent_decode(raw_prefix);
  why = prefix ? prefix_error(*prefix) : "bad percent-encoding";
  if (!why.empty())
    return std::nullopt;
  return prefix;
}

// Holds the session and its io_context weakly (the session owns the
// subscription, not the other way round), and locks the io_context first:
// a session it briefly keeps alive is released before the io_context.
template <class Session>
stream_subscriber::behavior_type
forward_to_session(stream_subscriber::pointer,
                   std::weak_ptr<boost::asio::io_context> ioc,
                   std::weak_ptr<Session> session) {
  return {
    [ioc, session](const shared_stream_event& event) {
      auto io = ioc.lock();
      if (!io)
        return;
      if (auto s = session.lock())
        s->push(event);
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
    caf::anon_send(ctx_->subscriptions, unsubscribe_atom::value,
                   subscription_id_);
  if (subscriber_)
    caf::anon_send_exit(subscriber_, caf::exit_reason::user_shutdown);
  if (budget_id_ != 0)
    ctx_->sse_budget->leave(budget_id_);
}

template <class Stream>
void sse_session<Stream>::start(const http_request& req) {
  std::string why;
  auto prefix = events_prefix(req, why);
  // A stream: counted, not timed.
  ctx_->metrics->http.count(http_route::events, prefix ? 200 : 400);
  if (!prefix) {
    auto res = std::make_shared<http_response>(error_response(400, why, req));
    add_cors_headers(*ctx_, origin_of(req), *res);
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
  head_ = with_header_lines(stream_head,
                            cors_header_lines(*ctx_, origin_of(req)));
  head_ += first_comment;
  queue_.push_back({nullptr, head_});
  queued_bytes_ = head_.size();
  subscriber_ = ctx_->system->spawn(forward_to_session<sse_session>, ioc_,
                                    std::weak_ptr<sse_session>(
                                      this->shared_from_this()));
  auto subscriptions = ctx_->subscriptions; // the prefix is checked above
  auto sub = subscriber_;
  auto hold = make_io_hold(ioc_, this->shared_from_this());
  ctx_->system->spawn([=](caf::event_based_actor* asker) {
    asker->request(subscriptions, subscribe_timeout, subscribe_atom::value,
                   *prefix, sub)
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

template <class Stream>
void sse_session<Stream>::on_subscribed(uint64_t id) {
  subscription_id_ = id;
  subscribed_ = true;
  if (closed_)
    return; // the subscriber has exited, which ends the subscription
  if (auto& budget = ctx_->sse_budget) {
    // Posted, not closed on the spot: any thread may find the budget full.
    budget_id_ = budget->join(
      [ioc = ioc_, weak = std::weak_ptr<sse_session>(this->shared_from_this())] {
        auto io = ioc.lock();
        if (!io)
          return;
        if (auto self = weak.lock())
          net::post(self->stream_.get_executor(), [self] { self->close(); });
      });
  }
  // Subscribed first, replayed second: nothing falls between the two. Live
  // events wait in early_ until the replay is done; what both deliver is
  // sent once (by seq).
  if (last_event_id_)
    replay_ = replay_range(*last_event_id_, ctx_->db->last_seq());
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
  // Chunks that hold nothing under the prefix are skipped at once, this
  // many per turn of the I/O thread, which serves others between turns.
  constexpr int chunks_per_turn = 16;
  for (int i = 0; i < chunks_per_turn && replay_.active() && !closed_
                  && queue_.empty();
       ++i) {
    auto recs = ctx_->db->changes_since(replay_.position(), chunk_items,
                                        chunk_bytes);
    auto in_range = replay_.take(recs);
    for (std::size_t k = 0; k < in_range; ++k)
      if (is_under(recs[k].u.path, prefix_))
        enqueue({make_stream_event(recs[k].u, recs[k].seq,
                                   ctx_->sse_budget),
                 {}});
  }
  if (closed_)
    return;
  if (replay_.active() && queue_.empty())
    return net::post(stream_.get_executor(),
                     [self = this->shared_from_this()] {
                       self->replay_chunk();
                     });
  if (!replay_.active())
    end_replay();
  write_next();
}

template <class Stream>
void sse_session<Stream>::end_replay() {
  auto early = std::move(early_); // enqueue may close, which clears early_
  early_.clear();
  early_bytes_ = 0;
  for (auto& event : early)
    if (event->seq() > replay_.position())
      enqueue({std::move(event), {}});
  report_held();
}

template <class Stream>
void sse_session<Stream>::on_event(shared_stream_event event) {
  if (closed_)
    return;
  if (!subscribed_ || replay_.active()) {
    early_bytes_ += event->text().size();
    early_.push_back(std::move(event));
    if (early_bytes_ > ctx_->limits.sse_queue_bytes)
      return close(); // live events pile up faster than the replay drains
    return report_held();
  }
  if (event->seq() > replay_.position())
    enqueue({std::move(event), {}});
}

template <class Stream>
void sse_session<Stream>::push(shared_stream_event event) {
  net::post(stream_.get_executor(),
            [self = this->shared_from_this(),
             event = std::move(event)]() mutable {
              self->on_event(std::move(event));
            });
}

template <class Stream>
void sse_session<Stream>::enqueue(queued item) {
  if (closed_)
    return;
  if (item.event)
    item.text = item.event->text();
  queued_bytes_ += item.text.size();
  queue_.push_back(std::move(item));
  if (queued_bytes_ > ctx_->limits.sse_queue_bytes)
    return close(); // too slow: drop it rather than buffer without bound
  report_held();
  write_next();
}

template <class Stream>
void sse_session<Stream>::report_held() {
  if (budget_id_ != 0)
    ctx_->sse_budget->hold(budget_id_, queued_bytes_ + early_bytes_);
}

template <class Stream>
void sse_session<Stream>::write_next() {
  if (writing_ || closed_ || !subscribed_ || queue_.empty())
    return;
  writing_ = true;
  auto text = queue_.front().text;
  net::async_write(stream_, net::buffer(text.data(), text.size()),
                   [self = this->shared_from_this()](boost::system::error_code ec,
                                               std::size_t) {
                     self->writing_ = false;
                     if (ec || self->closed_)
                       return self->close();
                     self->queued_bytes_ -= std::min(
                       self->queued_bytes_, self->queue_.front().text.size());
                     self->queue_.pop_front();
                     self->report_held();
                     if (self->queue_.empty() && self->replay_.active())
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
    self->enqueue({nullptr, ": ping\n\n"});
    self->heartbeat();
  });
}

// Also what the budget asks of the stream holding the most: the events it
// held are let go at once (but the one being written), and its client
// resumes with Last-Event-ID.
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
    caf::anon_send(ctx_->subscriptions, unsubscribe_atom::value,
                   subscription_id_);
    subscription_id_ = 0;
  }
  if (subscriber_) {
    caf::anon_send_exit(subscriber_, caf::exit_reason::user_shutdown);
    subscriber_ = nullptr;
  }
  early_.clear();
  early_bytes_ = 0;
  queue_.erase(queue_.begin() + (writing_ ? 1 : 0), queue_.end());
  queued_bytes_ = 0;
  if (budget_id_ != 0) {
    ctx_->sse_budget->leave(budget_id_);
    budget_id_ = 0;
  }
}

http_response events_head(const http_request& req) {
  std::string why;
  if (!events_prefix(req, why))
    return error_response(400, why, req);
  http_response res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/event-stream");
  res.set(http::field::cache_control, "no-cache");
  res.keep_alive(req.keep_alive()); // no stream follows: the connection stays
  return res;
}

template class sse_session<plain_stream>;
template class sse_session<tls_stream>;

} // namespace p2p
