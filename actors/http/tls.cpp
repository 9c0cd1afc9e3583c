#include "actors/http/tls.hpp"

#include <boost/asio/ssl/context.hpp>

#include <stdexcept>

namespace p2p {

namespace ssl = boost::asio::ssl;

namespace {

// TLS 1.2 suites: Mozilla's "intermediate" list without the DHE ones (they
// need DH parameters): ECDHE for forward secrecy, AEAD only, so none of
// the CBC suites that LUCKY13-style padding oracles target. TLS 1.3 suites
// are all AEAD with forward secrecy; OpenSSL's defaults stay.
constexpr const char* tls12_ciphers =
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
  "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
  "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

void set_protocols(ssl::context& ctx) {
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                  | ssl::context::no_sslv3 | ssl::context::no_tlsv1
                  | ssl::context::no_tlsv1_1);
  if (SSL_CTX_set_cipher_list(ctx.native_handle(), tls12_ciphers) != 1)
    throw std::runtime_error("the TLS library knows none of the AEAD "
                             "cipher suites");
}

} // namespace

std::shared_ptr<ssl::context> make_server_tls(const tls_files& f) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  set_protocols(*ctx);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(f.cert, ec);
  if (ec)
    throw std::runtime_error("cannot load TLS certificate " + f.cert + ": "
                             + ec.message());
  ctx->use_private_key_file(f.key, ssl::context::pem, ec);
  if (ec)
    throw std::runtime_error("cannot load TLS key " + f.key + ": "
                             + ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    throw std::runtime_error("TLS key " + f.key
                             + " does not match certificate " + f.cert);
  return ctx;
}

std::shared_ptr<ssl::context> make_client_tls(const tls_files& f) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  set_protocols(*ctx);
  ctx->set_default_verify_paths();
  if (!f.ca.empty()) {
    boost::system::error_code ec;
    ctx->load_verify_file(f.ca, ec);
    if (ec)
      throw std::runtime_error("cannot load TLS CA file " + f.ca + ": "
                               + ec.message());
  }
  ctx->set_verify_mode(ssl::verify_peer);
  return ctx;
}

} // namespace p2p
