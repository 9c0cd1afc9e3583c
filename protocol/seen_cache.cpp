#include "protocol/seen_cache.hpp"

namespace p2p {

std::string seen_cache::key(std::string_view origin, hlc_time time) {
  std::string k(origin);
  k += ':';
  k += std::to_string(time);
  return k;
}

void seen_cache::insert(std::string k) {
  if (capacity_ == 0 || !set_.insert(k).second)
    return;
  order_.push_back(std::move(k));
  if (order_.size() > capacity_) {
    set_.erase(order_.front());
    order_.pop_front();
  }
}

} // namespace p2p
