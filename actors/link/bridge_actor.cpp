#include "actors/link/bridge_actor.hpp"

#include "actors/link/link_log.hpp"
#include "actors/link/ws_link.hpp"
#include "actors/metrics.hpp"
#include "protocol/auth.hpp"

#include <caf/all.hpp>

namespace p2p {

namespace {

using self_ptr = bridge_actor::stateful_pointer<bridge_state>;
using close_code = ws_link::close_code;

// On shutdown, how long the links get to exchange close frames.
constexpr auto goodbye_timeout = std::chrono::seconds(2);

/// A peer actor that ends takes its links with it, whatever the reason: a
/// link whose peer actor is gone would go on reading into nowhere.
void watch(self_ptr self, const peer_actor& peer) {
  if (self->state.monitored.insert(peer.address()).second)
    self->monitor(peer);
}

void on_peer_down(self_ptr self, const caf::down_msg& msg) {
  auto& st = self->state;
  st.monitored.erase(msg.source);
  for (auto i = st.dialing.begin(); i != st.dialing.end();)
    i = i->second.address() == msg.source ? st.dialing.erase(i) : std::next(i);
  for (auto& [id, entry] : st.links) {
    if (entry.peer.address() != msg.source || entry.closing)
      continue;
    // Kept until the link reports down, so a shutdown waits for its close
    // frame too; no longer counted as a link to that node.
    entry.closing = true;
    entry.remote_id.clear();
    entry.pending_hello.reset();
    if (entry.ws.link)
      entry.ws.link->close("link ended: " + caf::to_string(msg.reason),
                           close_code::going_away);
  }
}

/// Shutdown: every link gets a close frame (1001, going away) and a short
/// while to see it through; the bridge ends when all are closed or that
/// while is over, whichever comes first.
void say_goodbye(self_ptr self, const caf::error& reason) {
  auto& st = self->state;
  st.stopping = reason;
  // Inbound peers, linked, end with the bridge.
  for (auto& [id, entry] : st.links)
    if (entry.ws.link)
      entry.ws.link->close("node shutting down", close_code::going_away);
  st.dialing.clear();
  if (st.links.empty())
    return self->quit(reason);
  self->delayed_send(self, goodbye_timeout, closed_all_atom::value);
}

void finish_goodbye(self_ptr self) {
  auto& st = self->state;
  if (!st.stopping || !st.links.empty())
    return;
  st.peers = peer_deps{};
  self->quit(st.stopping);
}

void send_frame(self_ptr self, uint64_t id, std::string text) {
  auto i = self->state.links.find(id);
  if (i != self->state.links.end() && i->second.ws.link
      && !i->second.closing) {
    self->state.peers.metrics->link_bytes_sent.fetch_add(text.size());
    i->second.ws.link->send(std::move(text));
  }
}

/// Sends an error message, closes the link, and tells its peer actor.
void reject(self_ptr self, uint64_t id, const std::string& why) {
  auto& st = self->state;
  auto i = st.links.find(id);
  if (i == st.links.end())
    return;
  auto entry = std::move(i->second);
  st.links.erase(i);
  if (entry.ws.link) {
    entry.ws.link->send(wire::encode(wire::error{why}));
    entry.ws.link->close(why, close_code::policy);
  }
  self->send(entry.peer, link_down_atom::value, id, "protocol error: " + why);
}

/// Admits a hello, or says why not. Of two links between the same pair of
/// nodes, both sides keep the one dialled by the larger node id.
std::string admit(self_ptr self, uint64_t id, const wire::hello& h) {
  auto& st = self->state;
  if (h.id == st.node_id)
    return "self link: that is this node's own id";
  if (st.blocked.count(h.id))
    return "link to " + h.id + " is blocked (partition)";
  auto& entry = st.links[id];
  for (auto& [other_id, other] : st.links) {
    if (other_id == id || other.remote_id != h.id)
      continue;
    auto dialer_of = [&](const bridge_state::link_entry& e) {
      return e.outbound ? st.node_id : h.id;
    };
    if (dialer_of(entry) > dialer_of(other)) {
      reject(self, other_id, "duplicate link to " + h.id + " replaced");
      break;
    }
    return "duplicate link: already linked to " + h.id;
  }
  entry.remote_id = h.id;
  return {};
}

void on_frame(self_ptr self, uint64_t id, const std::string& text,
              bool is_text) {
  auto& st = self->state;
  auto i = st.links.find(id);
  if (i == st.links.end() || i->second.closing || st.stopping)
    return;
  st.peers.metrics->link_bytes_received.fetch_add(text.size());
  if (!is_text)
    return reject(self, id, "binary frames are not part of the protocol");
  wire::message msg;
  std::string why;
  if (!wire::decode(text, msg, why))
    return reject(self, id, why);
  auto& entry = i->second;
  auto peer = entry.peer;
  bool admitted = !entry.remote_id.empty();
  if (auto* h = std::get_if<wire::hello>(&msg)) {
    if (admitted || entry.pending_hello)
      return reject(self, id, "a second hello");
    if (st.secret.empty()) {
      if (auto err = admit(self, id, *h); !err.empty())
        return reject(self, id, err);
      return self->send(peer, std::move(*h));
    }
    // With a cluster secret the hello waits for the peer's proof.
    if (h->nonce.empty()) {
      link_log::secret_refused(h->id, entry.outbound,
                               "no proof of the cluster secret");
      return reject(self, id, "authentication required: this network has "
                              "a cluster secret");
    }
    send_frame(self, id,
               wire::encode(wire::auth{auth_proof(st.secret, entry.outbound,
                                                  st.node_id, entry.nonce,
                                                  h->nonce)}));
    entry.pending_hello = std::move(*h);
    return;
  }
  if (auto* a = std::get_if<wire::auth>(&msg)) {
    if (st.secret.empty() || !entry.pending_hello)
      return reject(self, id, "unexpected auth");
    auto hello = std::move(*entry.pending_hello);
    entry.pending_hello.reset();
    auto expected = auth_proof(st.secret, !entry.outbound, hello.id,
                               hello.nonce, entry.nonce);
    if (!equal_secret(a->mac, expected)) {
      link_log::secret_refused(hello.id, entry.outbound,
                               "wrong cluster secret");
      return reject(self, id, "authentication failed: wrong cluster secret");
    }
    if (auto err = admit(self, id, hello); !err.empty())
      return reject(self, id, err);
    return self->send(peer, std::move(hello));
  }
  if (!admitted)
    return reject(self, id, st.secret.empty() ? "expected hello first"
                                              : "expected hello and auth first");
  std::visit(
    [&](auto& m) {
      using T = std::decay_t<decltype(m)>;
      if constexpr (!std::is_same_v<T, wire::hello>
                    && !std::is_same_v<T, wire::auth>)
        self->send(peer, std::move(m));
    },
    msg);
}

} // namespace

bridge_actor::behavior_type bridge_impl(self_ptr self, peer_deps peers,
                                        link_dialer dialer,
                                        std::string secret) {
  auto& st = self->state;
  st.secret = std::move(secret);
  st.node_id = peers.node_id;
  st.peers = std::move(peers);
  st.peers.bridge = self;
  st.dialer = std::move(dialer);
  self->set_down_handler(
    [self](caf::down_msg& msg) { on_peer_down(self, msg); });
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    // Inbound peers are linked to us (so they die with us); one of them
    // ending is not a reason for us to end (the down handler drops its
    // links).
    for (auto& [id, entry] : st.links)
      if (!entry.outbound && entry.peer.address() == msg.source)
        return;
    if (msg.reason == caf::exit_reason::normal || st.stopping)
      return;
    say_goodbye(self, msg.reason);
  });
  return {
    [self](link_open_atom, uint64_t id, ws_link_ref& ws,
           std::string& direction, std::string& address) {
      auto& st = self->state;
      bridge_state::link_entry entry;
      entry.ws = std::move(ws);
      entry.outbound = direction == "out";
      if (st.stopping)
        return entry.ws.link->close("node shutting down",
                                    close_code::going_away);
      if (entry.outbound) {
        auto d = st.dialing.find(id);
        if (d == st.dialing.end()) {
          entry.ws.link->close("no peer for this link", close_code::normal);
          return;
        }
        entry.peer = d->second;
        st.dialing.erase(d);
      } else {
        // Linked: killed with the bridge (a crash), they do not linger.
        entry.peer = self->spawn<caf::linked>(inbound_peer_impl, st.peers, id,
                                 std::move(address));
      }
      watch(self, entry.peer);
      if (!st.secret.empty())
        entry.nonce = fresh_nonce();
      auto peer = entry.peer;
      auto nonce = entry.nonce;
      st.links.emplace(id, std::move(entry));
      self->send(peer, link_open_atom::value, id);
      // Our hello goes first, before any auth frame that refers to it.
      wire::hello hello{wire::protocol_version, st.node_id, st.peers.epoch,
                        nonce, system_wall_ms()};
      hello.advertise = st.peers.advertise;
      // Only a node that learns addresses (a secret) and dials them may
      // be shed: any other would have nowhere else to go.
      hello.speaks_peers = !st.secret.empty() && st.peers.min_links > 0;
      hello.speaks_tree = st.peers.tree;
      hello.speaks_reconcile = true;
      send_frame(self, id, wire::encode(hello));
    },
    [self](link_down_atom, uint64_t id, std::string& reason) {
      auto& st = self->state;
      if (auto d = st.dialing.find(id); d != st.dialing.end()) {
        self->send(d->second, link_down_atom::value, id, std::move(reason));
        st.dialing.erase(d);
        return;
      }
      auto i = st.links.find(id);
      if (i == st.links.end())
        return;
      auto peer = i->second.peer;
      st.links.erase(i);
      if (st.stopping)
        return finish_goodbye(self);
      self->send(peer, link_down_atom::value, id, std::move(reason));
    },
    [self](frame_atom, uint64_t id, std::string& text, bool is_text) {
      on_frame(self, id, text, is_text);
    },
    [self](dial_atom, uint64_t id, std::string& url, peer_actor& peer) {
      if (self->state.stopping)
        return;
      watch(self, peer);
      self->state.dialing.emplace(id, std::move(peer));
      self->state.dialer(id, url, self);
    },
    [self](send_atom, uint64_t id, const wire::sync& m) {
      send_frame(self, id, wire::encode(m));
    },
    [self](send_atom, uint64_t id, const wire::changes& m) {
      std::vector<const update*> items;
      items.reserve(m.items.size());
      for (const auto& u : m.items)
        items.push_back(&u);
      std::size_t ids_bytes = 0;
      auto text = wire::encode_changes(items, m.upto, &m.ids, &ids_bytes);
      self->state.peers.metrics->announcement_bytes_sent.fetch_add(ids_bytes);
      send_frame(self, id, std::move(text));
    },
    [self](send_atom, uint64_t id, const wire::ack& m) {
      send_frame(self, id, wire::encode(m));
    },
    [self](send_atom, uint64_t id, std::string& frame) {
      send_frame(self, id, std::move(frame));
    },
    [self](overlay_actor& overlay) {
      self->state.peers.overlay = std::move(overlay);
    },
    [self](close_atom, uint64_t id, std::string& reason) {
      reject(self, id, reason);
    },
    [self](block_atom, std::vector<std::string>& ids) {
      auto& st = self->state;
      st.blocked = std::set<std::string>(ids.begin(), ids.end());
      std::vector<uint64_t> cut;
      for (auto& [id, entry] : st.links)
        if (st.blocked.count(entry.remote_id))
          cut.push_back(id);
      for (auto id : cut)
        reject(self, id, "link blocked (partition)");
    },
    [self](closed_all_atom) {
      auto& st = self->state;
      if (!st.stopping)
        return;
      st.links.clear(); // the ones that did not finish in time just drop
      finish_goodbye(self);
    },
  };
}

} // namespace p2p
