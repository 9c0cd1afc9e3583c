#include "actors/collector_actor.hpp"

#include "actors/link/link_table.hpp"
#include "p2psync/log.hpp"
#include "storage/database.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <string>

namespace p2p {

namespace {

using self_ptr = collector_actor::stateful_pointer<collector_state>;

// Linked this long again, a node that was away has caught up.
constexpr uint64_t settle_ms = 10000;
constexpr std::string_view contact_setting = "contact_ms";

void next_transaction(self_ptr self) {
  auto& st = self->state;
  self
    ->request(st.deps.store, caf::infinite, collect_atom::value,
              st.step.cutoff, st.step.max_seq)
    .then(
      [self](uint64_t, bool more) {
        if (more)
          self->send(self, collect_atom::value);
        else
          self->state.collecting = false;
      },
      [self](caf::error& err) {
        // The next tick tries again.
        log::error("collector", "tombstone collection failed",
                   {{"error", caf::to_string(err)}});
        self->state.collecting = false;
      });
}

/// Notes whether the node is linked, and keeps the contact time.
bool linked_settled(self_ptr self, uint64_t now) {
  auto& st = self->state;
  if (st.deps.links->count_up() == 0) {
    st.linked_since_ms.reset();
    return false;
  }
  if (!st.linked_since_ms)
    st.linked_since_ms = now;
  if (now - *st.linked_since_ms < settle_ms)
    return false;
  // Kept in the db now and then (a write of its own): a restart then
  // starts from a slightly older contact, only more careful.
  bool persist = now - st.contact_ms >= settle_ms;
  st.contact_ms = now;
  if (!persist)
    return true;
  try {
    st.deps.db->set_setting(contact_setting, std::to_string(now));
  } catch (const std::exception&) {
    // Kept in memory for this run; a restart is only more careful.
  }
  return true;
}

void on_tick(self_ptr self) {
  auto& st = self->state;
  self->delayed_send(self, collection_interval(st.deps.ttl), tick_atom::value);
  auto now = system_wall_ms();
  bool settled = linked_settled(self, now);
  if (st.collecting)
    return;
  auto cutoff = collection_cutoff_ms(now, static_cast<uint64_t>(st.deps.ttl.count()),
                                     settled, st.contact_ms, st.deps.has_seeds);
  if (!cutoff)
    return;
  st.collecting = true;
  st.step.cutoff = hlc_from_ms(*cutoff);
  st.step.max_seq = st.deps.links->min_delivered().value_or(~uint64_t{0});
  next_transaction(self);
}

} // namespace

std::chrono::milliseconds collection_interval(std::chrono::milliseconds ttl) {
  using std::chrono::milliseconds;
  return std::clamp(ttl / 2, milliseconds(100), milliseconds(60000));
}

std::optional<uint64_t> collection_cutoff_ms(uint64_t now_ms, uint64_t ttl_ms,
                                             bool linked_settled,
                                             uint64_t contact_ms,
                                             bool has_seeds) {
  if (now_ms <= ttl_ms)
    return std::nullopt;
  auto cutoff = now_ms - ttl_ms;
  if (linked_settled)
    return cutoff;
  if (contact_ms > 0) // away since then: nothing stamped later
    return std::min(cutoff, contact_ms);
  if (has_seeds) // never reached the network it is meant to join
    return std::nullopt;
  return cutoff; // a node on its own: nobody else to have missed
}

collector_actor::behavior_type collector_impl(self_ptr self,
                                              collector_deps deps) {
  auto& st = self->state;
  st.deps = std::move(deps);
  try {
    st.contact_ms = std::stoull("0" + st.deps.db->setting(contact_setting));
  } catch (const std::exception&) {
    st.contact_ms = 0;
  }
  self->send(self, tick_atom::value); // a node that was down long collects now
  return {
    [self](tick_atom) { on_tick(self); },
    [self](collect_atom) { next_transaction(self); },
  };
}

} // namespace p2p
