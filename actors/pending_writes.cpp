#include "actors/pending_writes.hpp"

namespace p2p {

void pending_writes::add(const std::string& path, bool is_delete) {
  auto& e = by_path_[path];
  ++e.waiting;
  e.last_is_delete = is_delete;
}

void pending_writes::done(const std::string& path) {
  auto i = by_path_.find(path);
  if (i == by_path_.end())
    return;
  if (--i->second.waiting == 0)
    by_path_.erase(i); // forgotten once answered: the map stays small
}

std::optional<bool>
pending_writes::last_is_delete(const std::string& path) const {
  auto i = by_path_.find(path);
  if (i == by_path_.end())
    return std::nullopt;
  return i->second.last_is_delete;
}

} // namespace p2p
