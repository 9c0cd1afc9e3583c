#pragma once
// Request framing rules of RFC 9112 section 6 that the HTTP parser leaves
// to us: which Transfer-Encoding a request may carry. A request whose body
// length two readers could disagree on (the shape of request smuggling) is
// refused before its body is read, and its connection closed.
#include <optional>
#include <string>
#include <string_view>

namespace p2p {

struct framing_refusal {
  unsigned status; // 400, or 501 for a coding we do not implement
  std::string message;
};

/// `transfer_encoding` is every Transfer-Encoding field of the request
/// joined with ","; nothing when the request has none. Empty when the
/// framing is one we read unambiguously: no transfer coding, or exactly
/// `chunked` on an HTTP/1.1 request without Content-Length.
std::optional<framing_refusal> check_framing(
  std::optional<std::string_view> transfer_encoding, bool has_content_length,
  bool http_1_0);

} // namespace p2p
