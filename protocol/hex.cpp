#include "protocol/hex.hpp"

namespace p2p {

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 0xF];
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

bool from_hex(std::string_view text, std::string& bytes) {
  if (text.size() % 2 != 0)
    return false;
  bytes.clear();
  bytes.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    if ((text[i] >= 'A' && text[i] <= 'F')
        || (text[i + 1] >= 'A' && text[i + 1] <= 'F'))
      return false;
    int hi = hex_digit(text[i]);
    int lo = hex_digit(text[i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    bytes += static_cast<char>(hi << 4 | lo);
  }
  return true;
}

} // namespace p2p
