#pragma once
// GET /events/<prefix>: a Server-Sent Events stream of the changes at or
// below a prefix, live until the client leaves. Each event's `id:` is the
// node's change sequence number; a client that reconnects with
// `Last-Event-ID: N` first gets every change after N under its prefix (the
// newest version of each path, from the change log), then live ones. A subscriber actor receives
// the changes and posts them here; the queue of unsent bytes is bounded, and
// a client too slow to drain it is dropped rather than slowing anyone else.
// Events are shared with the other streams, and what all streams hold
// counts against a node-wide budget (stream_budget.hpp): past it the
// stream holding the most is ended, and its client resumes with
// Last-Event-ID.
#include "actors/http/api_routes.hpp"
#include "actors/http/replay_range.hpp"
#include "actors/http/streams.hpp"
#include "actors/subscriptions_actor.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <deque>
#include <optional>
#include <vector>
#include <memory>
#include <string>
#include <string_view>

namespace p2p {

template <class Stream>
class sse_session : public std::enable_shared_from_this<sse_session<Stream>> {
public:
  sse_session(Stream&& stream,
              std::shared_ptr<const api_context> ctx,
              std::weak_ptr<boost::asio::io_context> ioc);
  ~sse_session();

  /// Validates the prefix, subscribes, then streams.
  void start(const http_request& req);

  /// Queues one event; callable from any thread.
  void push(shared_stream_event event);

private:
  // A fixed text (the head, a ping) or an event, which keeps its text alive.
  struct queued {
    shared_stream_event event;
    std::string_view text;
  };

  void on_subscribed(uint64_t id);
  void on_event(shared_stream_event event);
  void replay_chunk();
  void end_replay();
  void enqueue(queued item);
  void report_held();
  void write_next();
  void watch_for_close();
  void heartbeat();
  void close();

  Stream stream_;
  std::shared_ptr<const api_context> ctx_;
  std::weak_ptr<boost::asio::io_context> ioc_;
  boost::asio::steady_timer timer_;
  stream_subscriber subscriber_;
  uint64_t subscription_id_ = 0;
  uint64_t budget_id_ = 0; // as a holder of the stream budget
  std::string prefix_;
  std::optional<uint64_t> last_event_id_;
  replay_range replay_;
  // Live events that arrived before the subscription was confirmed or
  // while the replay runs.
  std::vector<shared_stream_event> early_;
  std::size_t early_bytes_ = 0;
  std::deque<queued> queue_;
  std::size_t queued_bytes_ = 0;
  bool subscribed_ = false;
  bool writing_ = false;
  bool closed_ = false;
  char read_buf_[512];
  std::string head_; // the stream's HTTP head and first comment
};

/// HEAD /events/<prefix>: what GET would answer before its events (200
/// and the stream's headers, or 400 for a bad prefix), and no stream.
http_response events_head(const http_request& req);

} // namespace p2p
