#include "actors/link/ws_link.hpp"

#include "actors/http/io_hold.hpp"
#include "protocol/wire.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <caf/all.hpp>

#include <atomic>

namespace p2p {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Frames waiting to be written. The peer actor's window keeps the queue far
// below this; reaching it means the peer stopped reading.
constexpr std::size_t max_queued_frames = 256;
constexpr std::size_t max_queued_bytes = std::size_t{32} << 20;
constexpr auto connect_timeout = std::chrono::seconds(5);
constexpr auto idle_timeout = std::chrono::seconds(20);

void apply_options(websocket::stream<beast::tcp_stream>& ws,
                   beast::role_type role) {
  beast::get_lowest_layer(ws).expires_never(); // the stream has its own
  auto opt = websocket::stream_base::timeout::suggested(role);
  opt.idle_timeout = idle_timeout; // a vanished peer is noticed
  opt.keep_alive_pings = true;
  ws.set_option(opt);
  ws.read_message_max(wire::max_frame_bytes);
  ws.auto_fragment(false);
  ws.text(true);
}

struct url_parts {
  std::string host, port;
};

bool parse_url(const std::string& url, url_parts& out) {
  auto rest = url;
  for (const char* scheme : {"http://", "ws://"})
    if (rest.rfind(scheme, 0) == 0)
      rest = rest.substr(std::string(scheme).size());
  auto slash = rest.find('/');
  if (slash != std::string::npos)
    rest = rest.substr(0, slash);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size())
    return false;
  out.host = rest.substr(0, colon);
  out.port = rest.substr(colon + 1);
  return true;
}

} // namespace

uint64_t next_link_id() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1);
}

ws_link::ws_link(tcp::socket&& socket, env e, uint64_t id, bool outbound)
  : ws_(std::move(socket)), env_(std::move(e)), id_(id), outbound_(outbound) {
}

ws_link::~ws_link() {
  if (!reported_down_)
    caf::anon_send(env_.bridge, link_down_atom::value, id_,
                   std::string("closed"));
}

void ws_link::accept(tcp::socket&& socket, const http_request& req, env e) {
  auto link = std::make_shared<ws_link>(std::move(socket), std::move(e),
                                        next_link_id(), false);
  apply_options(link->ws_, beast::role_type::server);
  link->ws_.async_accept(req, [link](beast::error_code ec) {
    if (ec) {
      link->reported_down_ = true; // never opened: nothing to report
      return;
    }
    beast::error_code ignored;
    auto ep = beast::get_lowest_layer(link->ws_).socket().remote_endpoint(
      ignored);
    link->opened(ep.address().to_string() + ":" + std::to_string(ep.port()));
  });
}

void ws_link::dial(net::io_context& ioc, env e, uint64_t id,
                   const std::string& url) {
  url_parts parts;
  if (!parse_url(url, parts)) {
    caf::anon_send(e.bridge, link_down_atom::value, id,
                   "bad peer URL " + url);
    return;
  }
  auto link = std::make_shared<ws_link>(tcp::socket(net::make_strand(ioc)),
                                        std::move(e), id, true);
  auto resolver = std::make_shared<tcp::resolver>(link->ws_.get_executor());
  resolver->async_resolve(
    parts.host, parts.port,
    [link, resolver, parts, url](beast::error_code ec,
                                 tcp::resolver::results_type results) {
      if (ec)
        return link->fail("resolve " + parts.host + ": " + ec.message());
      auto& tcp_layer = beast::get_lowest_layer(link->ws_);
      tcp_layer.expires_after(connect_timeout);
      tcp_layer.async_connect(
        results, [link, parts, url](beast::error_code ec,
                                    const tcp::endpoint&) {
          if (ec)
            return link->fail("connect " + url + ": " + ec.message());
          beast::error_code ignored;
          beast::get_lowest_layer(link->ws_).socket().set_option(
            tcp::no_delay(true), ignored);
          beast::get_lowest_layer(link->ws_).expires_after(connect_timeout);
          link->ws_.async_handshake(
            parts.host + ":" + parts.port, "/p2p",
            [link, url](beast::error_code ec) {
              if (ec)
                return link->fail("handshake " + url + ": " + ec.message());
              apply_options(link->ws_, beast::role_type::client);
              link->opened(url);
            });
        });
    });
}

void ws_link::opened(std::string address) {
  caf::anon_send(env_.bridge, link_open_atom::value, id_,
                 ws_link_ref{env_.ioc.lock(), shared_from_this()},
                 std::string(outbound_ ? "out" : "in"), std::move(address));
  do_read();
}

void ws_link::do_read() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec,
                                                      std::size_t) {
    if (ec)
      return self->fail(ec == websocket::error::closed ? "closed by peer"
                                                       : ec.message());
    auto text = beast::buffers_to_string(self->buffer_.data());
    self->buffer_.consume(self->buffer_.size());
    caf::anon_send(self->env_.bridge, frame_atom::value, self->id_,
                   std::move(text), self->ws_.got_text());
    self->do_read();
  });
}

void ws_link::send(std::string text) {
  net::post(ws_.get_executor(),
            [self = shared_from_this(), text = std::move(text)]() mutable {
              if (self->closing_)
                return;
              self->queued_bytes_ += text.size();
              self->queue_.push_back(std::move(text));
              if (self->queue_.size() > max_queued_frames
                  || self->queued_bytes_ > max_queued_bytes)
                return self->close("send queue overflow", false);
              self->do_write();
            });
}

void ws_link::do_write() {
  if (writing_ || queue_.empty())
    return;
  writing_ = true;
  ws_.async_write(net::buffer(queue_.front()),
                  [self = shared_from_this()](beast::error_code ec,
                                              std::size_t) {
                    self->writing_ = false;
                    if (ec)
                      return self->fail(ec.message());
                    self->queued_bytes_ -= self->queue_.front().size();
                    self->queue_.pop_front();
                    if (!self->queue_.empty())
                      return self->do_write();
                    if (self->closing_)
                      self->close("", self->close_for_protocol_error_);
                  });
}

void ws_link::close(std::string reason, bool protocol_error) {
  net::dispatch(ws_.get_executor(), [self = shared_from_this(),
                                     reason = std::move(reason),
                                     protocol_error]() mutable {
    self->closing_ = true;
    self->close_for_protocol_error_ |= protocol_error;
    if (self->writing_)
      return; // the write handler closes once the queue is drained
    websocket::close_reason cr(self->close_for_protocol_error_
                                 ? websocket::close_code::policy_error
                                 : websocket::close_code::normal);
    self->ws_.async_close(cr, [self](beast::error_code) {
      self->fail("closed");
    });
  });
}

void ws_link::fail(const std::string& reason) {
  if (reported_down_)
    return;
  reported_down_ = true;
  caf::anon_send(env_.bridge, link_down_atom::value, id_, reason);
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both,
                                                 ignored);
  beast::get_lowest_layer(ws_).socket().close(ignored);
}

} // namespace p2p
