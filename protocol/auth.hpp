#pragma once
// The cluster secret's challenge-response: each side of a link proves it
// knows the secret with an HMAC-SHA256 over its own id and nonce and the
// other side's fresh nonce. The secret never crosses the wire, and a
// captured proof is worthless on another link (the verifier's nonce is new).
#include <string>
#include <string_view>

namespace p2p {

/// 16 random bytes from OpenSSL, as 32 hex digits.
std::string fresh_nonce();

/// The proof the node `id` (which sent `nonce` in its hello) gives to a
/// peer whose hello carried `peer_nonce`. `dialled` says whether the prover
/// dialled the link: a proof made by an accepting node is never accepted
/// by an accepting node, so no one can dial two nodes and relay one's proof
/// to the other.
std::string auth_proof(std::string_view secret, bool dialled,
                       std::string_view id, std::string_view nonce,
                       std::string_view peer_nonce);

/// Compares two strings in constant time (for proofs and tokens).
bool equal_secret(std::string_view a, std::string_view b);

} // namespace p2p
