#include "actors/link/ws_link.hpp"

#include "protocol/peer_url.hpp"
#include "protocol/wire.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <caf/all.hpp>

#include <atomic>
#include <deque>
#include <type_traits>

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

template <class Stream>
void apply_options(websocket::stream<Stream>& ws, beast::role_type role) {
  beast::get_lowest_layer(ws).expires_never(); // the stream has its own
  auto opt = websocket::stream_base::timeout::suggested(role);
  opt.idle_timeout = idle_timeout; // a vanished peer is noticed
  opt.keep_alive_pings = true;
  ws.set_option(opt);
  ws.read_message_max(wire::max_frame_bytes);
  ws.auto_fragment(false);
  ws.text(true);
}

} // namespace

uint64_t next_link_id() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1);
}

template <class Stream>
class ws_link_impl : public ws_link,
                     public std::enable_shared_from_this<ws_link_impl<Stream>> {
public:
  ws_link_impl(Stream&& stream, env e, uint64_t id, bool outbound)
    : ws_(std::move(stream)), env_(std::move(e)), id_(id), outbound_(outbound) {
  }
  ~ws_link_impl() override;

  void send(std::string text) override;
  void close(std::string reason, close_code code) override;
  void start_close();

  void opened(std::string address);
  void do_read();
  void do_write();
  void fail(const std::string& reason);

  websocket::stream<Stream> ws_;
  env env_;
  uint64_t id_;
  bool outbound_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;      // close() was called: queue no more
  bool close_started_ = false; // async_close is running: at most one
  close_code close_code_ = close_code::normal;
  std::string close_reason_;
  bool reported_down_ = false;
};

template <class Stream>
ws_link_impl<Stream>::~ws_link_impl() {
  if (!reported_down_)
    caf::anon_send(env_.bridge, link_down_atom::value, id_,
                   std::string("closed"));
}

template <class Stream>
void ws_link::accept(Stream&& stream, const http_request& req, env e) {
  auto link = std::make_shared<ws_link_impl<Stream>>(
    std::move(stream), std::move(e), next_link_id(), false);
  apply_options(link->ws_, beast::role_type::server);
  link->ws_.async_accept(req, [link](beast::error_code ec) {
    if (ec) {
      link->reported_down_ = true; // never opened: nothing to report
      return;
    }
    beast::error_code ignored;
    auto ep = tcp_layer(link->ws_.next_layer()).socket().remote_endpoint(
      ignored);
    link->opened(host_port(ep.address().to_string(), ep.port()));
  });
}

namespace {

/// After the TCP connect (and, for TLS, the TLS handshake): the WebSocket
/// handshake on /p2p.
template <class Link>
void ws_handshake(std::shared_ptr<Link> link, const peer_url& parts,
                  const std::string& url) {
  tcp_layer(link->ws_.next_layer()).expires_after(connect_timeout);
  link->ws_.async_handshake(host_port(parts.host, parts.port), "/p2p",
                            [link, url](beast::error_code ec) {
                              if (ec)
                                return link->fail("handshake " + url + ": "
                                                  + ec.message());
                              apply_options(link->ws_,
                                            beast::role_type::client);
                              link->opened(url);
                            });
}

void ws_handshake_after_tls(std::shared_ptr<ws_link_impl<tls_stream>> link,
                            const peer_url& parts, const std::string& url) {
  auto& tls = link->ws_.next_layer();
  // SNI, and the certificate must name the host we dialled.
  SSL_set_tlsext_host_name(tls.native_handle(), parts.host.c_str());
  tls.set_verify_callback(net::ssl::host_name_verification(parts.host));
  tcp_layer(tls).expires_after(connect_timeout);
  tls.async_handshake(net::ssl::stream_base::client,
                      [link, parts, url](beast::error_code ec) {
                        if (ec)
                          return link->fail("TLS handshake with " + url + ": "
                                            + ec.message());
                        ws_handshake(link, parts, url);
                      });
}

template <class Link>
void connect(std::shared_ptr<Link> link, const peer_url& parts,
             const std::string& url) {
  auto resolver = std::make_shared<tcp::resolver>(link->ws_.get_executor());
  resolver->async_resolve(
    parts.host, std::to_string(parts.port),
    [link, resolver, parts, url](beast::error_code ec,
                                 tcp::resolver::results_type results) {
      if (ec)
        return link->fail("resolve " + parts.host + ": " + ec.message());
      tcp_layer(link->ws_.next_layer()).expires_after(connect_timeout);
      tcp_layer(link->ws_.next_layer())
        .async_connect(results, [link, parts, url](beast::error_code ec,
                                                   const tcp::endpoint&) {
          if (ec)
            return link->fail("connect " + url + ": " + ec.message());
          beast::error_code ignored;
          tcp_layer(link->ws_.next_layer()).socket().set_option(
            tcp::no_delay(true), ignored);
          if constexpr (std::is_same_v<Link, ws_link_impl<tls_stream>>)
            ws_handshake_after_tls(link, parts, url);
          else
            ws_handshake(link, parts, url);
        });
    });
}

} // namespace

void ws_link::dial(net::io_context& ioc, env e, uint64_t id,
                   const std::string& url,
                   std::shared_ptr<net::ssl::context> tls) {
  auto parsed = parse_peer_url(url);
  if (!parsed.url) {
    caf::anon_send(e.bridge, link_down_atom::value, id,
                   "bad peer URL " + url + ": " + parsed.error);
    return;
  }
  const auto& parts = *parsed.url;
  if (parts.tls && !tls) {
    caf::anon_send(e.bridge, link_down_atom::value, id,
                   "no TLS client context for " + url);
    return;
  }
  auto strand = net::make_strand(ioc);
  if (parts.tls) {
    connect(std::make_shared<ws_link_impl<tls_stream>>(
              tls_stream(plain_stream(strand), *tls), std::move(e), id, true),
            parts, url);
  } else {
    connect(std::make_shared<ws_link_impl<plain_stream>>(
              plain_stream(strand), std::move(e), id, true),
            parts, url);
  }
}

template <class Stream>
void ws_link_impl<Stream>::opened(std::string address) {
  caf::anon_send(env_.bridge, link_open_atom::value, id_,
                 ws_link_ref{env_.ioc.lock(), this->shared_from_this()},
                 std::string(outbound_ ? "out" : "in"), std::move(address));
  do_read();
}

template <class Stream>
void ws_link_impl<Stream>::do_read() {
  ws_.async_read(buffer_, [self = this->shared_from_this()](beast::error_code ec,
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

template <class Stream>
void ws_link_impl<Stream>::send(std::string text) {
  net::post(ws_.get_executor(),
            [self = this->shared_from_this(), text = std::move(text)]() mutable {
              if (self->closing_)
                return;
              self->queued_bytes_ += text.size();
              self->queue_.push_back(std::move(text));
              if (self->queue_.size() > max_queued_frames
                  || self->queued_bytes_ > max_queued_bytes)
                return self->close("send queue overflow",
                                   close_code::normal);
              self->do_write();
            });
}

template <class Stream>
void ws_link_impl<Stream>::do_write() {
  if (writing_ || queue_.empty())
    return;
  writing_ = true;
  ws_.async_write(net::buffer(queue_.front()),
                  [self = this->shared_from_this()](beast::error_code ec,
                                              std::size_t) {
                    self->writing_ = false;
                    if (ec)
                      return self->fail(ec.message());
                    self->queued_bytes_ -= self->queue_.front().size();
                    self->queue_.pop_front();
                    if (!self->queue_.empty())
                      return self->do_write();
                    if (self->closing_)
                      self->start_close();
                  });
}

template <class Stream>
void ws_link_impl<Stream>::close(std::string reason, close_code code) {
  net::dispatch(ws_.get_executor(), [self = this->shared_from_this(),
                                     reason = std::move(reason),
                                     code]() mutable {
    if (!self->closing_ || self->close_code_ == close_code::normal) {
      self->close_code_ = code;
      self->close_reason_ = std::move(reason);
    }
    self->closing_ = true;
    if (!self->writing_)
      self->start_close(); // else the write handler does, queue drained
  });
}

template <class Stream>
void ws_link_impl<Stream>::start_close() {
  if (close_started_ || reported_down_)
    return;
  close_started_ = true;
  // A close frame's reason is at most 123 bytes (RFC 6455 5.5), and UTF-8.
  auto reason = close_reason_;
  if (reason.size() > 123) {
    auto cut = std::size_t{123};
    while (cut > 0
           && (static_cast<unsigned char>(reason[cut]) & 0xC0) == 0x80)
      --cut; // not inside a multi-byte sequence
    reason.resize(cut);
  }
  websocket::close_reason cr(static_cast<websocket::close_code>(close_code_),
                             reason);
  ws_.async_close(cr, [self = this->shared_from_this()](beast::error_code) {
    self->fail("closed");
  });
}

template <class Stream>
void ws_link_impl<Stream>::fail(const std::string& reason) {
  if (reported_down_)
    return;
  reported_down_ = true;
  caf::anon_send(env_.bridge, link_down_atom::value, id_, reason);
  beast::error_code ignored;
  tcp_layer(ws_.next_layer()).socket().shutdown(tcp::socket::shutdown_both,
                                                 ignored);
  tcp_layer(ws_.next_layer()).socket().close(ignored);
}

template void ws_link::accept<plain_stream>(plain_stream&&, const http_request&,
                                            env);
template void ws_link::accept<tls_stream>(tls_stream&&, const http_request&,
                                          env);

} // namespace p2p
