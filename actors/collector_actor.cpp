#include "actors/collector_actor.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <cstdio>

namespace p2p {

namespace {

using self_ptr = collector_actor::stateful_pointer<collector_state>;

void next_transaction(self_ptr self) {
  auto& st = self->state;
  self->request(st.store, caf::infinite, collect_atom::value, st.cutoff)
    .then(
      [self](uint64_t, bool more) {
        if (more)
          self->send(self, collect_atom::value);
        else
          self->state.collecting = false;
      },
      [self](caf::error& err) {
        // The next tick tries again.
        std::fprintf(stderr, "p2p-node: tombstone collection failed: %s\n",
                     caf::to_string(err).c_str());
        self->state.collecting = false;
      });
}

} // namespace

std::chrono::milliseconds collection_interval(std::chrono::milliseconds ttl) {
  using std::chrono::milliseconds;
  return std::clamp(ttl / 2, milliseconds(100), milliseconds(60000));
}

collector_actor::behavior_type collector_impl(self_ptr self, store_actor store,
                                              std::chrono::milliseconds ttl) {
  auto& st = self->state;
  st.store = std::move(store);
  st.ttl = ttl;
  self->send(self, tick_atom::value); // a node that was down long collects now
  return {
    [self](tick_atom) {
      auto& st = self->state;
      self->delayed_send(self, collection_interval(st.ttl), tick_atom::value);
      if (st.collecting)
        return;
      auto now = system_wall_ms();
      auto ttl_ms = static_cast<uint64_t>(st.ttl.count());
      if (now <= ttl_ms)
        return;
      st.collecting = true;
      st.cutoff = hlc_from_ms(now - ttl_ms);
      next_transaction(self);
    },
    [self](collect_atom) { next_transaction(self); },
  };
}

} // namespace p2p
