#include "actors/link/overlay_actor.hpp"

#include "actors/link/link_table.hpp"
#include "actors/metrics.hpp"
#include "protocol/json_text.hpp"
#include "p2psync/log.hpp"
#include "storage/database.hpp"

#include <caf/all.hpp>

#include <random>

namespace p2p {

namespace {

using self_ptr = overlay_actor::stateful_pointer<overlay_state>;
using clock_type = std::chrono::steady_clock;

constexpr const char* passive_setting = "overlay.passive";

void send_frame(self_ptr self, uint64_t link, std::string text) {
  self->send(self->state.deps.bridge, send_atom::value, link, std::move(text));
}

wire::peers sample_for(overlay_state& st, const std::string& remote_id,
                       bool reply) {
  wire::peers m;
  m.reply = reply;
  for (auto& a : st.view->sample(remote_id))
    m.addresses.push_back({std::move(a.id), std::move(a.url)});
  return m;
}

void send_sample(self_ptr self, uint64_t link, bool reply) {
  auto& st = self->state;
  auto i = st.links.find(link);
  if (i == st.links.end())
    return;
  st.deps.metrics->shuffles_sent.fetch_add(1);
  send_frame(self, link, wire::encode(sample_for(st, i->second.remote_id,
                                                 reply)));
}

void publish(overlay_state& st) {
  auto passive = st.view->passive(clock_type::now());
  std::string json = "[";
  for (const auto& e : passive) {
    if (json.size() > 1)
      json += ',';
    json += "{\"url\":";
    append_json_string(json, e.url);
    json += ",\"id\":";
    append_json_string(json, e.id);
    json += ",\"failures\":" + std::to_string(e.failures);
    json += ",\"dialing\":";
    json += e.dialing ? "true" : "false";
    json += ",\"next_dial_in_ms\":" + std::to_string(e.next_dial_in_ms) + "}";
  }
  json += ']';
  st.deps.table->set_passive_json(std::move(json));
  st.deps.metrics->passive_size.store(passive.size());
  st.deps.metrics->active_links.store(st.view->active_size());
}

/// Closes the newest inbound links while there are more than the maximum;
/// each gets addresses to try elsewhere first.
void shed_surplus(self_ptr self) {
  auto& st = self->state;
  while (auto link = st.view->to_shed()) {
    st.deps.metrics->sheds.fetch_add(1);
    send_sample(self, *link, false);
    send_frame(self, *link, wire::encode(wire::shed{}));
    self->send(st.deps.bridge, close_atom::value, *link,
               std::string("shed: this node has more than --max-links "
                           "links"));
    st.view->link_down(*link, clock_type::now());
    st.links.erase(*link);
  }
}

/// Dials learned addresses while links are fewer than the minimum.
void dial_more(self_ptr self) {
  auto& st = self->state;
  for (auto& url : st.view->to_dial(clock_type::now())) {
    st.deps.metrics->overlay_dials.fetch_add(1);
    auto peer = self->spawn<caf::linked>(passive_peer_impl, st.deps, url);
    st.dials.emplace(peer.address(), std::move(url));
  }
}

/// Without a cluster secret nothing is learned, so a node it shed would
/// have nowhere else to go: it neither sheds nor dials then. Dials start
/// only on the tick, at most max_dialing per tick: however fast a peer
/// teaches addresses (or dials fail), the node dials at a bounded rate.
void maintain(self_ptr self, bool tick = false) {
  if (self->state.config.learn) {
    shed_surplus(self);
    if (tick)
      dial_more(self);
  }
  publish(self->state);
}

/// After a failed dial of a learned address: when it is tried again, or
/// that it was dropped (the peer actor logged the failure and its reason).
void log_backoff(const overlay_state& st, const std::string& url,
                 clock_type::time_point now) {
  for (const auto& e : st.view->passive(now))
    if (e.url == url)
      return log::info("overlay", "dial backoff",
                       {{"url", url},
                        {"failures", e.failures},
                        {"retry_in_ms", e.next_dial_in_ms}});
  log::info("overlay", "address dropped", {{"url", url}});
}

void persist(overlay_state& st) {
  auto text = st.view->to_text();
  if (text == st.persisted)
    return;
  try {
    st.deps.db->set_setting(passive_setting, text);
    st.persisted = std::move(text);
  } catch (const std::exception& e) {
    // Not worth stopping for: the next pass tries again.
    log::warn("overlay", "cannot keep known addresses", {{"error", e.what()}});
  }
}

void on_tick(self_ptr self) {
  auto& st = self->state;
  auto now = clock_type::now();
  maintain(self, true);
  if (now >= st.next_shuffle) {
    // The interval jitters so that neighbours do not shuffle in step.
    std::uniform_int_distribution<long> spread(
      st.config.shuffle_every.count() / 2, st.config.shuffle_every.count());
    static thread_local std::minstd_rand rng{std::random_device{}()};
    st.next_shuffle = now + std::chrono::milliseconds(spread(rng));
    if (st.config.learn)
      if (auto link = st.view->shuffle_target())
        send_sample(self, *link, true);
  }
  if (now >= st.next_persist) {
    st.next_persist = now + st.config.persist_every;
    persist(st);
  }
  self->delayed_send(self, st.config.tick, tick_atom::value);
}

} // namespace

overlay_actor::behavior_type overlay_impl(self_ptr self, peer_deps deps,
                                          overlay_config config) {
  auto& st = self->state;
  st.deps = std::move(deps);
  st.deps.overlay = overlay_actor{self}; // its dials report back here
  st.config = config;
  st.view = std::make_unique<peer_view>(config.limits, st.deps.node_id,
                                        st.deps.advertise,
                                        std::random_device{}());
  st.view->set_seeds(config.seeds);
  st.persisted = st.deps.db->setting(passive_setting);
  st.view->load_text(st.persisted, clock_type::now());
  st.next_persist = clock_type::now() + config.persist_every;
  st.next_shuffle = clock_type::now() + config.shuffle_every / 2;
  // The one-shot dials are linked: they end with the overlay.
  // Its dials are linked, so they end with it; one of them ending is no
  // reason for it to end.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    if (auto d = st.dials.find(msg.source); d != st.dials.end()) {
      // One that ended without saying how its dial went (an error): a
      // failed dial, or its address would stay "dialing" for good.
      if (!d->second.empty())
        st.view->dial_ended(d->second, false, {}, false, clock_type::now());
      st.dials.erase(d);
      return;
    }
    persist(st);
    self->quit(msg.reason);
  });
  self->send(self, tick_atom::value);
  return {
    [self](link_up_atom, uint64_t link, wire::hello& hello, bool inbound,
           peer_actor& peer) {
      auto& st = self->state;
      st.deps.metrics->overlay_joins.fetch_add(1);
      st.view->link_up(link, hello.id, hello.advertise, inbound,
                       hello.speaks_peers);
      st.links[link] = overlay_state::link{std::move(peer), hello.id,
                                           hello.advertise, {}};
      // A newcomer learns whom else it could link to.
      if (st.config.learn && hello.speaks_peers)
        send_sample(self, link, false);
      maintain(self);
    },
    [self](link_down_atom, uint64_t link, std::string& reason) {
      auto& st = self->state;
      auto i = st.links.find(link);
      if (i == st.links.end())
        return; // shed by us: gone already
      auto url = i->second.url;
      st.links.erase(i);
      auto now = clock_type::now();
      st.view->link_down(link, now);
      // A node that shed us counts as a failed dial: its address backs off
      // further each time, and is forgotten if it keeps doing so.
      if (!url.empty() && reason.find("shed:") != std::string::npos)
        st.view->dial_ended(url, false, {}, false, now);
      maintain(self);
    },
    [self](wire::peers& m, uint64_t link) {
      auto& st = self->state;
      st.deps.metrics->shuffles_received.fetch_add(1);
      auto i = st.links.find(link);
      if (!st.config.learn || i == st.links.end())
        return;
      std::vector<peer_address> addrs;
      for (auto& a : m.addresses)
        addrs.push_back({std::move(a.id), std::move(a.url)});
      auto now = clock_type::now();
      st.view->learn(addrs, now);
      // A shuffle is answered with ours, but not faster than this, however
      // fast the other side asks.
      if (m.reply && now - i->second.replied_at >= st.config.reply_every) {
        i->second.replied_at = now;
        send_sample(self, link, false);
      }
      maintain(self);
    },
    [self](dial_ended_atom, std::string& url, bool ok, std::string& remote_id,
           bool is_self) {
      auto& st = self->state;
      for (auto& [addr, dialing] : st.dials)
        if (dialing == url)
          dialing.clear(); // reported
      if (!ok)
        st.deps.metrics->overlay_dial_failures.fetch_add(1);
      auto now = clock_type::now();
      st.view->dial_ended(url, ok, remote_id, is_self, now);
      if (!ok && !is_self)
        log_backoff(st, url, now);
      maintain(self);
    },
    [self](tick_atom) { on_tick(self); },
  };
}

} // namespace p2p
