#pragma once
// An invertible Bloom lookup table over a store's records: a fixed-size
// summary two nodes can subtract to learn which records one has and the
// other lacks, costing bytes in proportion to the difference, not to the
// store. Used when a node meets a peer it has no checkpoint for (it came
// back through a different peer, or the topology changed).
#include "p2psync/update.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace p2p {

/// The 64-bit identity of one record version: path, stamp, origin.
uint64_t record_element(std::string_view path, hlc_time time,
                        std::string_view origin);

class sketch {
public:
  static constexpr int hash_count = 3;
  /// Cells per sketch; decodes up to roughly cells / 1.5 differences.
  static constexpr std::size_t default_cells = 510;

  explicit sketch(std::size_t cells = default_cells);

  void add(uint64_t element);

  /// This minus `other` (same size): what remains is the difference.
  void subtract(const sketch& other);

  /// Lists the elements only in the minuend (`mine`) and only in the
  /// subtrahend (`theirs`); false when the difference is too large to
  /// decode (the caller falls back to a full transfer).
  bool decode(std::vector<uint64_t>& mine, std::vector<uint64_t>& theirs) const;

  std::size_t cells() const {
    return cells_.size();
  }

  /// Base64 of 12 bytes per cell.
  std::string to_text() const;
  static std::optional<sketch> from_text(std::string_view text);

private:
  struct cell {
    uint16_t count = 0; // modular: only differences matter
    uint16_t check = 0;
    uint64_t key = 0;
  };
  std::size_t index(uint64_t element, int i) const;
  std::vector<cell> cells_;
};

} // namespace p2p
