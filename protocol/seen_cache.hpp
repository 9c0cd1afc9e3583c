#pragma once
// Bounded memory of message ids already handled, oldest forgotten first.
// Only an optimisation: a forgotten duplicate is still stopped by
// last-write-wins in the store, it just costs a transaction slot.
#include "protocol/hlc.hpp"

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>

namespace p2p {

class seen_cache {
public:
  explicit seen_cache(std::size_t capacity) : capacity_(capacity) {
  }

  /// The id of an update: its origin and stamp.
  static std::string key(std::string_view origin, hlc_time time);

  bool contains(const std::string& k) const {
    return set_.count(k) != 0;
  }

  void insert(std::string k);

  std::size_t size() const {
    return set_.size();
  }

private:
  std::size_t capacity_;
  std::unordered_set<std::string> set_;
  std::deque<std::string> order_;
};

} // namespace p2p
