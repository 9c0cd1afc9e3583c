#include "actors/subscriptions_actor.hpp"

#include "actors/stream_event.hpp"

#include <caf/all.hpp>

namespace p2p {

uint64_t subscriptions_state::add(std::string prefix, entry e) {
  while (!prefix.empty() && prefix.back() == '/')
    prefix.pop_back();
  auto id = next_id++;
  by_prefix.emplace(prefix, id);
  e.prefix = std::move(prefix);
  by_id.emplace(id, std::move(e));
  if (gauge)
    gauge->fetch_add(1);
  return id;
}

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
                   std::atomic<int64_t>* subscriber_gauge,
                   std::shared_ptr<stream_budget> budget) {
  self->state.gauge = subscriber_gauge;
  self->state.budget = std::move(budget);
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    std::vector<uint64_t> gone;
    for (auto& [id, e] : st.by_id)
      if (e.who.address() == msg.source || e.stream.address() == msg.source)
        gone.push_back(id);
    for (auto id : gone)
      st.remove(id);
  });
  return {
    [self](publish_atom, const change& c) {
      auto& st = self->state;
      if (st.by_id.empty())
        return;
      // Made at the first stream that wants it, then shared by all.
      shared_stream_event event;
      auto deliver = [&](const std::string& prefix) {
        auto range = st.by_prefix.equal_range(prefix);
        for (auto i = range.first; i != range.second; ++i) {
          auto& e = st.by_id[i->second];
          if (e.who) {
            self->send(e.who, c);
            continue;
          }
          if (!event)
            event = make_stream_event(c.u, c.seq, st.budget);
          self->send(e.stream, event);
        }
      };
      deliver(std::string{});
      const auto& path = c.u.path;
      for (auto slash = path.find('/'); slash != std::string::npos;
           slash = path.find('/', slash + 1))
        deliver(path.substr(0, slash));
      deliver(path);
    },
    [self](subscribe_atom, std::string& prefix, subscriber_actor& who) {
      self->monitor(who);
      return self->state.add(std::move(prefix), {{}, std::move(who), {}});
    },
    [self](subscribe_atom, std::string& prefix, stream_subscriber& who) {
      self->monitor(who);
      return self->state.add(std::move(prefix), {{}, {}, std::move(who)});
    },
    [self](unsubscribe_atom, uint64_t id) { self->state.remove(id); },
  };
}

} // namespace p2p
