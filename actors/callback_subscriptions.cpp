#include "actors/callback_subscriptions.hpp"

#include <caf/all.hpp>

namespace p2p {

callback_subscriptions::callback_subscriptions(router_actor router)
  : router_(std::move(router)) {
}

bool callback_subscriptions::add(uint64_t id, subscriber_actor who) {
  std::lock_guard<std::mutex> guard(mtx_);
  if (!open_)
    return false;
  by_id_.emplace(id, std::move(who));
  return true;
}

void callback_subscriptions::cancel(uint64_t id) {
  // The sends happen under the lock so that close() cannot finish, and the
  // server take its actor system down, between the check and the send.
  std::lock_guard<std::mutex> guard(mtx_);
  auto i = by_id_.find(id);
  if (i == by_id_.end())
    return;
  caf::anon_send(router_, unsubscribe_atom::value, id);
  caf::anon_send_exit(i->second, caf::exit_reason::user_shutdown);
  by_id_.erase(i);
}

void callback_subscriptions::forget(uint64_t id) {
  std::lock_guard<std::mutex> guard(mtx_);
  by_id_.erase(id);
}

void callback_subscriptions::close() {
  std::unordered_map<uint64_t, subscriber_actor> gone;
  {
    std::lock_guard<std::mutex> guard(mtx_);
    open_ = false;
    router_ = nullptr;
    gone.swap(by_id_);
  }
  // Outside the lock: an ending actor's forget() takes it.
  for (auto& [id, who] : gone)
    caf::anon_send_exit(who, caf::exit_reason::user_shutdown);
}

std::size_t callback_subscriptions::size() const {
  std::lock_guard<std::mutex> guard(mtx_);
  return by_id_.size();
}

} // namespace p2p
