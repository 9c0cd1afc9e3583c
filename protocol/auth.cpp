#include "protocol/auth.hpp"

#include "protocol/hex.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace p2p {

std::string fresh_nonce() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return to_hex({reinterpret_cast<const char*>(bytes), sizeof bytes});
}

std::string auth_proof(std::string_view secret, bool dialled,
                       std::string_view id, std::string_view nonce,
                       std::string_view peer_nonce) {
  std::string message = "p2psync-auth-v1|";
  message.append(dialled ? "dial|" : "accept|");
  message.append(id).append("|").append(nonce).append("|").append(peer_nonce);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char*>(message.data()),
            message.size(), mac, &len))
    throw std::runtime_error("HMAC failed");
  return to_hex({reinterpret_cast<const char*>(mac), len});
}

bool equal_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace p2p
