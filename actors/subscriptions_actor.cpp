#include "actors/subscriptions_actor.hpp"

#include <caf/all.hpp>

namespace p2p {

void subscriptions_state::remove(uint64_t id) {
  auto i = by_id.find(id);
  if (i == by_id.end())
    return;
  auto range = by_prefix.equal_range(i->second.prefix);
  for (auto j = range.first; j != range.second; ++j) {
    if (j->second == id) {
      by_prefix.erase(j);
      break;
    }
  }
  by_id.erase(i);
  if (gauge)
    gauge->fetch_sub(1);
}

subscriptions_actor::behavior_type
subscriptions_impl(subscriptions_actor::stateful_pointer<subscriptions_state> self,
                   std::atomic<int64_t>* subscriber_gauge) {
  self->state.gauge = subscriber_gauge;
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    std::vector<uint64_t> gone;
    for (auto& [id, e] : st.by_id)
      if (e.who.address() == msg.source)
        gone.push_back(id);
    for (auto id : gone)
      st.remove(id);
  });
  return {
    [self](publish_atom, const change& c) {
      auto& st = self->state;
      if (st.by_id.empty())
        return;
      auto deliver = [&](const std::string& prefix) {
        auto range = st.by_prefix.equal_range(prefix);
        for (auto i = range.first; i != range.second; ++i)
          self->send(st.by_id[i->second].who, c);
      };
      deliver(std::string{});
      const auto& path = c.u.path;
      for (auto slash = path.find('/'); slash != std::string::npos;
           slash = path.find('/', slash + 1))
        deliver(path.substr(0, slash));
      deliver(path);
    },
    [self](subscribe_atom, std::string& prefix, subscriber_actor& who) {
      auto& st = self->state;
      while (!prefix.empty() && prefix.back() == '/')
        prefix.pop_back();
      auto id = st.next_id++;
      self->monitor(who);
      st.by_prefix.emplace(prefix, id);
      st.by_id.emplace(id, subscriptions_state::entry{prefix, std::move(who)});
      if (st.gauge)
        st.gauge->fetch_add(1);
      return id;
    },
    [self](unsubscribe_atom, uint64_t id) { self->state.remove(id); },
  };
}

} // namespace p2p
