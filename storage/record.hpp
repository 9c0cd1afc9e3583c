#pragma once
// Byte layout of what the database keeps per path, and of the change-index
// keys. Plain functions so the encoding is unit tested on its own.
//
//   record: [u64 time][u64 seq][u8 origin length][origin]
//           [u8 from length][from][value JSON text]
//   (`from`: the node the update arrived from, empty for a local write, so
//   the change is not streamed back over the link it came in on)
//   change key: u64 seq, big-endian, so LMDB's byte order is numeric order.
#include "p2psync/update.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace p2p {

struct stored_record {
  update u;
  uint64_t seq = 0; // local change sequence number of this version
  std::string from; // node id it was received from; empty when local
};

std::string encode_record(const update& u, uint64_t seq,
                          std::string_view from = {});

/// Nothing when `bytes` is not a record (corrupt or truncated).
std::optional<stored_record> decode_record(std::string_view path,
                                           std::string_view bytes);

/// A record's fields as views into `bytes` (valid while `bytes` is).
struct record_view {
  hlc_time time = 0;
  uint64_t seq = 0;
  std::string_view origin;
  std::string_view from;
  std::string_view value;
};

/// Nothing when `bytes` is not a record.
std::optional<record_view> view_record(std::string_view bytes);

std::string encode_seq_key(uint64_t seq);
uint64_t decode_seq_key(std::string_view key);

} // namespace p2p
