#include "protocol/sketch.hpp"

#include <algorithm>

namespace p2p {

namespace {

uint64_t mix(uint64_t x) { // splitmix64's finalizer
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint16_t check_of(uint64_t key) {
  return static_cast<uint16_t>(mix(key ^ 0xC0FFEEull) >> 48);
}

constexpr char b64[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

} // namespace

uint64_t record_element(std::string_view path, hlc_time time,
                        std::string_view origin) {
  uint64_t h = 0xCBF29CE484222325ull; // FNV-1a, then mixed
  auto feed = [&](std::string_view s) {
    for (unsigned char c : s)
      h = (h ^ c) * 0x100000001B3ull;
    h = (h ^ 0xFF) * 0x100000001B3ull; // separator
  };
  feed(path);
  feed(origin);
  return mix(h ^ mix(time));
}

sketch::sketch(std::size_t cells)
  : cells_(std::max<std::size_t>(hash_count, (cells + hash_count - 1)
                                               / hash_count * hash_count)) {
}

// One cell in each third of the table, so the three are always distinct.
std::size_t sketch::index(uint64_t element, int i) const {
  auto part = cells_.size() / hash_count;
  return i * part + mix(element + 0x51ED27ull * (i + 1)) % part;
}

void sketch::add(uint64_t element) {
  auto check = check_of(element);
  for (int i = 0; i < hash_count; ++i) {
    auto& c = cells_[index(element, i)];
    ++c.count;
    c.key ^= element;
    c.check ^= check;
  }
}

void sketch::subtract(const sketch& other) {
  for (std::size_t i = 0; i < cells_.size() && i < other.cells_.size(); ++i) {
    cells_[i].count -= other.cells_[i].count;
    cells_[i].key ^= other.cells_[i].key;
    cells_[i].check ^= other.cells_[i].check;
  }
}

bool sketch::decode(std::vector<uint64_t>& mine,
                    std::vector<uint64_t>& theirs) const {
  auto work = cells_;
  auto part = work.size() / hash_count;
  // A difference larger than the table cannot decode; the bound also ends
  // the loop on a crafted sketch.
  std::size_t budget = work.size();
  bool progress = true;
  while (progress) {
    progress = false;
    for (std::size_t i = 0; i < work.size(); ++i) {
      auto c = work[i];
      bool plus = c.count == 1, minus = c.count == uint16_t(-1);
      // Pure: one element, whose check matches, and which hashes to this
      // very cell (a forged cell elsewhere would never empty out).
      if (!(plus || minus) || check_of(c.key) != c.check
          || index(c.key, static_cast<int>(i / part)) != i)
        continue;
      if (budget-- == 0)
        return false;
      (plus ? mine : theirs).push_back(c.key);
      auto check = check_of(c.key);
      for (int h = 0; h < hash_count; ++h) { // peel it off everywhere
        auto& d = work[index(c.key, h)];
        d.count -= c.count;
        d.key ^= c.key;
        d.check ^= check;
      }
      progress = true;
    }
  }
  for (const auto& c : work)
    if (c.count != 0 || c.key != 0 || c.check != 0)
      return false;
  return true;
}

std::string sketch::to_text() const {
  std::string bytes;
  bytes.reserve(cells_.size() * 12);
  for (const auto& c : cells_) {
    for (int i = 0; i < 2; ++i)
      bytes += static_cast<char>((c.count >> (8 * i)) & 0xFF);
    for (int i = 0; i < 2; ++i)
      bytes += static_cast<char>((c.check >> (8 * i)) & 0xFF);
    for (int i = 0; i < 8; ++i)
      bytes += static_cast<char>((c.key >> (8 * i)) & 0xFF);
  }
  std::string out; // 12-byte cells: always a multiple of 3, so no padding
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = (uint32_t(uint8_t(bytes[i])) << 16)
                 | (uint32_t(uint8_t(bytes[i + 1])) << 8)
                 | uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6)
      out += b64[(n >> s) & 63];
  }
  return out;
}

std::optional<sketch> sketch::from_text(std::string_view text) {
  if (text.size() % 16 != 0 || text.empty() || text.size() > 16 * 65536)
    return std::nullopt; // 16 base64 characters per 12-byte cell
  std::string bytes;
  bytes.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    uint32_t n = 0;
    for (int j = 0; j < 4; ++j) {
      int v = b64_value(text[i + j]);
      if (v < 0)
        return std::nullopt;
      n = (n << 6) | static_cast<uint32_t>(v);
    }
    bytes += static_cast<char>(n >> 16);
    bytes += static_cast<char>((n >> 8) & 0xFF);
    bytes += static_cast<char>(n & 0xFF);
  }
  auto cells = bytes.size() / 12;
  if (cells % hash_count != 0)
    return std::nullopt;
  sketch s(cells);
  auto u8 = [&](std::size_t i) { return uint64_t(uint8_t(bytes[i])); };
  for (std::size_t c = 0; c < cells; ++c) {
    auto base = c * 12;
    s.cells_[c].count = static_cast<uint16_t>(u8(base) | (u8(base + 1) << 8));
    s.cells_[c].check = static_cast<uint16_t>(u8(base + 2) | (u8(base + 3) << 8));
    uint64_t key = 0;
    for (int i = 7; i >= 0; --i)
      key = (key << 8) | u8(base + 4 + i);
    s.cells_[c].key = key;
  }
  return s;
}

} // namespace p2p
