#include "actors/http/framing.hpp"

#include <vector>

namespace p2p {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

bool is_chunked(std::string_view coding) {
  constexpr std::string_view chunked = "chunked";
  if (coding.size() != chunked.size())
    return false;
  for (std::size_t i = 0; i < chunked.size(); ++i)
    if ((coding[i] | 0x20) != chunked[i])
      return false;
  return true;
}

/// The list's elements; empty ones (",,") are allowed by RFC 9110 5.6.1.
std::vector<std::string_view> codings(std::string_view list) {
  std::vector<std::string_view> out;
  while (true) {
    auto comma = list.find(',');
    auto item = trim(list.substr(0, comma));
    if (!item.empty())
      out.push_back(item);
    if (comma == std::string_view::npos)
      return out;
    list.remove_prefix(comma + 1);
  }
}

} // namespace

std::optional<framing_refusal> check_framing(
  std::optional<std::string_view> transfer_encoding, bool has_content_length,
  bool http_1_0) {
  if (!transfer_encoding)
    return std::nullopt;
  // RFC 9112 6.1 and 6.3: each of these leaves the body's end to a guess.
  if (has_content_length)
    return framing_refusal{
      400, "Transfer-Encoding and Content-Length together are refused"};
  if (http_1_0)
    return framing_refusal{400, "Transfer-Encoding needs HTTP/1.1"};
  auto list = codings(*transfer_encoding);
  if (list.empty() || !is_chunked(list.back()))
    return framing_refusal{
      400, "the last transfer coding must be chunked (RFC 9112 6.3)"};
  for (std::size_t i = 0; i + 1 < list.size(); ++i) {
    if (is_chunked(list[i]))
      return framing_refusal{400, "chunked may be applied only once"};
  }
  if (list.size() > 1)
    return framing_refusal{
      501, "transfer codings other than chunked are not implemented"};
  return std::nullopt;
}

} // namespace p2p
