#include "actors/stream_budget.hpp"

#include <algorithm>
#include <vector>

namespace p2p {

void stream_budget::charge(std::size_t bytes) {
  if (used_.fetch_add(bytes) + bytes > limit_)
    enforce();
}

void stream_budget::release(std::size_t bytes) {
  used_.fetch_sub(bytes);
}

uint64_t stream_budget::join(evict_fn evict) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto id = next_id_++;
  holders_[id].evict = std::move(evict);
  return id;
}

void stream_budget::leave(uint64_t id) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto i = holders_.find(id);
  if (i == holders_.end())
    return;
  if (i->second.evicted)
    leaving_ -= i->second.queued;
  holders_.erase(i);
}

void stream_budget::hold(uint64_t id, std::size_t queued) {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    auto i = holders_.find(id);
    if (i == holders_.end())
      return;
    auto& h = i->second;
    if (h.evicted) // its share of leaving_ stays as it was when asked
      return;
    h.queued = queued;
  }
  if (used_.load() > limit_)
    enforce();
}

void stream_budget::enforce() {
  std::vector<evict_fn> to_call;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    while (true) {
      auto used = used_.load();
      if (used - std::min(used, leaving_) <= limit_)
        break;
      holder* slowest = nullptr;
      for (auto& [id, h] : holders_)
        if (!h.evicted && h.queued > 0
            && (!slowest || h.queued > slowest->queued))
          slowest = &h;
      if (!slowest)
        break; // what is alive is not queued by any stream (yet)
      slowest->evicted = true;
      leaving_ += slowest->queued;
      to_call.push_back(std::move(slowest->evict));
    }
  }
  evictions_.fetch_add(to_call.size());
  for (auto& evict : to_call)
    evict();
}

} // namespace p2p
