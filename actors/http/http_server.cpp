#include "actors/http/http_server.hpp"

#include "actors/http/http_session.hpp"
#include "actors/link/ws_link.hpp"
#include "protocol/peer_url.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace p2p {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// After a failed accept (most often: no descriptor left), wait this long
// before the next: accepting again at once fails again at once, a busy loop.
constexpr auto accept_retry_delay = std::chrono::milliseconds(50);
// Pending connections refused per pause while descriptors run out.
constexpr int max_refused_per_pause = 64;

bool out_of_descriptors(const boost::system::error_code& ec) {
  return ec == net::error::no_descriptors
         || ec == boost::system::errc::too_many_files_open_in_system;
}

int open_reserve_fd() {
  return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

} // namespace

struct http_server::impl {
  std::shared_ptr<const api_context> ctx;
  // Shared with the callbacks of requests in flight (see io_hold.hpp), so a
  // late actor reply posts into a stopped context, not a destroyed one.
  std::shared_ptr<net::io_context> ioc = std::make_shared<net::io_context>();
  tcp::acceptor acceptor{*ioc};
  net::steady_timer accept_pause{*ioc};
  // Held back for when the process has no descriptor left: closing it lets
  // one pending connection be accepted and closed, so clients beyond the
  // limit are refused instead of left waiting in the backlog.
  int reserve_fd = open_reserve_fd();
  std::vector<std::thread> threads;
  std::shared_ptr<net::ssl::context> tls_server; // null: plain HTTP
  // Made on the first https:// dial: loading the system's trust store costs
  // tens of milliseconds and megabytes a node without such peers never needs.
  struct lazy_client_tls {
    tls_files files;
    std::once_flag once;
    std::shared_ptr<net::ssl::context> ctx;
  };
  std::shared_ptr<lazy_client_tls> tls_client = std::make_shared<lazy_client_tls>();

  /// TLS first (with a deadline), then the same session as plain HTTP.
  void start_tls(tcp::socket socket) {
    auto stream = std::make_shared<tls_stream>(plain_stream(std::move(socket)),
                                               *tls_server);
    tcp_layer(*stream).expires_after(std::chrono::seconds(10));
    stream->async_handshake(
      net::ssl::stream_base::server,
      [stream, ctx = ctx, weak = std::weak_ptr<net::io_context>(ioc)](
        boost::system::error_code ec) {
        if (ec)
          return; // not TLS, or a bad handshake: the socket closes
        std::make_shared<http_session<tls_stream>>(std::move(*stream), ctx,
                                                   weak)
          ->run();
      });
  }

  void accept() {
    acceptor.async_accept(net::make_strand(*ioc),
                          [this](boost::system::error_code ec,
                                 tcp::socket socket) {
                            if (ec == net::error::operation_aborted)
                              return;
                            if (ec)
                              return pause_accepting(ec);
                            socket.set_option(tcp::no_delay(true), ec);
                            if (tls_server)
                              start_tls(std::move(socket));
                            else
                              std::make_shared<http_session<plain_stream>>(
                                plain_stream(std::move(socket)), ctx, ioc)
                                ->run();
                            accept();
                          });
  }

  void pause_accepting(const boost::system::error_code& ec) {
    if (out_of_descriptors(ec))
      refuse_pending();
    accept_pause.expires_after(accept_retry_delay);
    accept_pause.async_wait([this](boost::system::error_code ec) {
      if (!ec)
        accept();
    });
  }

  /// Closes connections waiting in the backlog, with the reserve descriptor
  /// as the one to accept them on. The acceptor is non-blocking (listen),
  /// so an empty backlog ends the loop.
  void refuse_pending() {
    if (reserve_fd < 0)
      reserve_fd = open_reserve_fd(); // taken by another thread last time
    if (reserve_fd < 0)
      return;
    ::close(reserve_fd);
    for (int i = 0; i < max_refused_per_pause; ++i) {
      boost::system::error_code ec;
      tcp::socket pending{*ioc};
      acceptor.accept(pending, ec);
      if (ec)
        break;
      pending.close(ec);
    }
    reserve_fd = open_reserve_fd();
  }
};

http_server::http_server(std::shared_ptr<const api_context> ctx,
                         const tls_files& tls)
  : impl_(std::make_unique<impl>()) {
  impl_->ctx = std::move(ctx);
  if (!tls.cert.empty() || !tls.key.empty())
    impl_->tls_server = make_server_tls(tls);
  impl_->tls_client->files = tls;
  if (!tls.ca.empty()) { // named explicitly: check it now, not at a dial
    auto& lazy = *impl_->tls_client;
    std::call_once(lazy.once, [&] { lazy.ctx = make_client_tls(tls); });
  }
}

http_server::~http_server() {
  stop();
}

uint16_t http_server::listen(const std::string& host, uint16_t port) {
  boost::system::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec)
    throw std::runtime_error("bad listen address '" + host + "'");
  tcp::endpoint endpoint{address, port};
  auto& a = impl_->acceptor;
  auto fail = [&](const char* what) {
    throw std::runtime_error(std::string(what) + " " + host_port(host, port)
                             + ": " + ec.message());
  };
  if (a.open(endpoint.protocol(), ec); ec)
    fail("cannot open");
  if (a.set_option(net::socket_base::reuse_address(true), ec); ec)
    fail("cannot set reuse_address on");
  if (a.bind(endpoint, ec); ec)
    fail("cannot bind");
  if (a.listen(net::socket_base::max_listen_connections, ec); ec)
    fail("cannot listen on");
  if (a.non_blocking(true, ec); ec) // for refuse_pending's accepts
    fail("cannot make non-blocking the socket of");
  return a.local_endpoint().port();
}

void http_server::start(int threads) {
  impl_->accept();
  for (int i = 0; i < threads; ++i)
    impl_->threads.emplace_back([ioc = impl_->ioc] { ioc->run(); });
}

link_dialer http_server::dialer() {
  std::weak_ptr<net::io_context> weak = impl_->ioc;
  return [weak, tls = impl_->tls_client](uint64_t id, const std::string& url,
                                         const bridge_actor& bridge) {
    auto ioc = weak.lock();
    if (!ioc)
      return;
    std::shared_ptr<net::ssl::context> client;
    auto parsed = parse_peer_url(url); // the dial reports a bad one
    if (parsed.url && parsed.url->tls) {
      std::call_once(tls->once, [&] {
        try {
          tls->ctx = make_client_tls(tls->files);
        } catch (const std::exception&) {
          // No context: the dial reports that. A named --tls-ca was
          // checked at start, so only the system store can fail here.
        }
      });
      client = tls->ctx;
    }
    ws_link::dial(*ioc, ws_link::env{weak, bridge}, id, url, client);
  };
}

void http_server::stop() {
  if (!impl_)
    return;
  // Stop the I/O threads first: the acceptor belongs to them while they run.
  impl_->ioc->stop();
  for (auto& t : impl_->threads)
    if (t.joinable())
      t.join();
  impl_->threads.clear();
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
  if (impl_->reserve_fd >= 0) {
    ::close(impl_->reserve_fd);
    impl_->reserve_fd = -1;
  }
}

} // namespace p2p
