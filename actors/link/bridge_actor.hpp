#pragma once
// The bridge speaks the wire protocol for every link: it is the only code
// that parses peer input (wire::decode), and it turns typed messages into
// frames. It sends our hello and admits the other's (the cluster secret's
// challenge-response, no self-links, one link per remote node), spawns the peer actor of each inbound link, and dials for the
// outbound peer actors.
#include "actors/link/link_types.hpp"
#include "actors/link/peer_actor.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <memory>
#include <string>

namespace p2p {

struct bridge_state {
  static inline const char* name = "p2p.bridge";

  struct link_entry {
    ws_link_ref ws;
    peer_actor peer;
    bool outbound = false;
    std::string remote_id; // empty until its hello was admitted
    std::string nonce;     // ours on this link, with a cluster secret
    std::optional<wire::hello> pending_hello; // waiting for its auth
    // Its peer actor ended: the close frame is on its way, nothing else.
    bool closing = false;
  };

  std::string node_id;
  std::map<uint64_t, link_entry> links;
  std::map<uint64_t, peer_actor> dialing; // outbound, not yet open
  std::set<std::string> blocked;          // node ids refused (partition)
  std::set<caf::actor_addr> monitored;    // peer actors, watched once each
  caf::error stopping; // set on shutdown: links closing, nothing new
  peer_deps peers; // for the peer actors of accepted links
  link_dialer dialer;
  std::string secret; // cluster secret; empty: links are open
};

bridge_actor::behavior_type
bridge_impl(bridge_actor::stateful_pointer<bridge_state> self,
            peer_deps peers, link_dialer dialer, std::string secret);

} // namespace p2p
