#include "storage/record.hpp"

#include <cstring>

namespace p2p {

namespace {

constexpr std::size_t header_size = 8 + 8 + 1;

void put_u64_le(std::string& out, uint64_t x) {
  for (int i = 0; i < 8; ++i)
    out += static_cast<char>((x >> (8 * i)) & 0xFF);
}

uint64_t get_u64_le(const char* p) {
  uint64_t x = 0;
  for (int i = 7; i >= 0; --i)
    x = (x << 8) | static_cast<unsigned char>(p[i]);
  return x;
}

void put_short_string(std::string& out, std::string_view s) {
  auto len = s.size() > 255 ? 255 : s.size();
  out += static_cast<char>(len);
  out.append(s.data(), len);
}

} // namespace

std::string encode_record(const update& u, uint64_t seq,
                          std::string_view from) {
  std::string out;
  out.reserve(header_size + 1 + u.origin.size() + from.size()
              + u.value.size());
  put_u64_le(out, u.time);
  put_u64_le(out, seq);
  put_short_string(out, u.origin);
  put_short_string(out, from);
  out += u.value;
  return out;
}

std::optional<record_view> view_record(std::string_view bytes) {
  if (bytes.size() < header_size)
    return std::nullopt;
  auto origin_len = static_cast<unsigned char>(bytes[16]);
  if (bytes.size() < header_size + origin_len)
    return std::nullopt;
  auto rest = bytes.substr(header_size + origin_len);
  if (rest.empty())
    return std::nullopt;
  auto from_len = static_cast<unsigned char>(rest[0]);
  if (rest.size() < 1u + from_len)
    return std::nullopt;
  record_view r;
  r.time = get_u64_le(bytes.data());
  r.seq = get_u64_le(bytes.data() + 8);
  r.origin = bytes.substr(header_size, origin_len);
  r.from = rest.substr(1, from_len);
  r.value = rest.substr(1 + from_len);
  return r;
}

std::optional<stored_record> decode_record(std::string_view path,
                                           std::string_view bytes) {
  auto v = view_record(bytes);
  if (!v)
    return std::nullopt;
  stored_record r;
  r.u.path = std::string(path);
  r.u.value = std::string(v->value);
  r.u.time = v->time;
  r.u.origin = std::string(v->origin);
  r.seq = v->seq;
  r.from = std::string(v->from);
  return r;
}
std::string encode_seq_key(uint64_t seq) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>((seq >> (8 * (7 - i))) & 0xFF);
  return out;
}

uint64_t decode_seq_key(std::string_view key) {
  uint64_t x = 0;
  for (std::size_t i = 0; i < key.size() && i < 8; ++i)
    x = (x << 8) | static_cast<unsigned char>(key[i]);
  return x;
}

} // namespace p2p
