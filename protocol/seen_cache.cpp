#include "protocol/seen_cache.hpp"

#include "protocol/sketch.hpp"

#include <functional>

namespace p2p {

uint64_t seen_cache::key(std::string_view path, std::string_view origin,
                         hlc_time time, std::string_view value) {
  auto h = std::hash<std::string_view>{}(value);
  return record_element(path, time, origin) ^ (h * 0x9E3779B97F4A7C15ULL);
}

void seen_cache::insert(uint64_t k) {
  if (capacity_ == 0 || !set_.insert(k).second)
    return;
  order_.push_back(k);
  if (order_.size() > capacity_) {
    set_.erase(order_.front());
    order_.pop_front();
  }
}

} // namespace p2p
