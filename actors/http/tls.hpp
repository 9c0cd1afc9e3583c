#pragma once
// TLS settings and the OpenSSL contexts made from them (Beast's SSL streams
// over Debian's OpenSSL). Bad settings fail here, at start, with a message
// that names the file.
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace p2p {

struct tls_files {
  std::string cert; // PEM certificate chain; empty: no TLS
  std::string key;  // PEM private key matching `cert`
  std::string ca;   // extra certificates to trust for outgoing links
};

/// The server side: throws std::runtime_error when a file cannot be read
/// or the key does not match the certificate.
std::shared_ptr<boost::asio::ssl::context> make_server_tls(const tls_files& f);

/// The client side for https:// peers: the system's trust store plus `ca`,
/// peers verified.
std::shared_ptr<boost::asio::ssl::context> make_client_tls(const tls_files& f);

} // namespace p2p
