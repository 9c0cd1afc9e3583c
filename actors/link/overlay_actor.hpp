#pragma once
// The overlay: keeps this node between --min-links and --max-links live
// links in a network it learns by peer exchange (in the spirit of
// HyParView). The peer actors tell it of links up and down and hand it the
// `peers` messages they receive; it dials learned addresses (one-shot peer
// actors) when links are too few, sheds the newest inbound link when they
// are too many, shuffles addresses with a random neighbour now and then,
// and keeps what it learned in the db so that a restart remembers it. The
// decisions are peer_view's (protocol/peer_view.hpp), plain code.
#include "actors/link/link_types.hpp"
#include "actors/link/peer_actor.hpp"
#include "protocol/peer_view.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace p2p {

struct overlay_config {
  overlay_limits limits;
  // Addresses are learned only from authenticated links (a cluster
  // secret): an open node would let anyone steer its dials.
  bool learn = false;
  std::vector<std::string> seeds; // --peer URLs: their own actors dial them
  std::chrono::milliseconds tick{500};
  std::chrono::milliseconds shuffle_every{4000}; // 2 to 4 s, jittered
  std::chrono::milliseconds persist_every{30000};
  // A link's `peers` messages are answered at most this often.
  std::chrono::milliseconds reply_every{1000};
};

struct overlay_state {
  static inline const char* name = "p2p.overlay";

  struct link {
    peer_actor peer;
    std::string remote_id;
    std::string url; // as the other node advertised it (may be empty)
    std::chrono::steady_clock::time_point replied_at{};
  };

  peer_deps deps;
  overlay_config config;
  std::unique_ptr<peer_view> view;
  std::map<uint64_t, link> links;
  std::chrono::steady_clock::time_point next_shuffle{}, next_persist{};
  std::string persisted; // the passive view as last written to the db
  // One-shot peer actors, linked to us, and the address each dials until
  // it reports how its dial ended.
  std::map<caf::actor_addr, std::string> dials;
};

overlay_actor::behavior_type
overlay_impl(overlay_actor::stateful_pointer<overlay_state> self,
             peer_deps deps, overlay_config config);

} // namespace p2p
