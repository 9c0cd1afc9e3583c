#pragma once
// Bounded memory of message ids already handled, oldest forgotten first.
// Only an optimisation: a forgotten duplicate is still stopped by
// last-write-wins in the store, it just costs a transaction slot.
#include "p2psync/hlc.hpp"

#include <cstddef>
#include <deque>
#include <string_view>
#include <unordered_set>

namespace p2p {

class seen_cache {
public:
  explicit seen_cache(std::size_t capacity) : capacity_(capacity) {
  }

  /// The id of an update, hashed to 64 bits (an entry costs ~40 bytes
  /// instead of a string's ~100). Origin and stamp alone identify only the
  /// updates a node stamped itself; imported entries (stamped by the
  /// millisecond, or edited) may share them, so path and value count too.
  static uint64_t key(std::string_view path, std::string_view origin,
                      hlc_time time, std::string_view value);

  bool contains(uint64_t k) const {
    return set_.count(k) != 0;
  }

  void insert(uint64_t k);

  std::size_t size() const {
    return set_.size();
  }

private:
  std::size_t capacity_;
  std::unordered_set<uint64_t> set_;
  std::deque<uint64_t> order_;
};

} // namespace p2p
