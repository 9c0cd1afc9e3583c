#pragma once
// Handles and messages of the link family (bridge, peer, WebSocket link).
// CAF-only: the Beast side is hidden behind ws_link_ref.
#include "actors/messages.hpp"
#include "protocol/wire.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace p2p::wire {

// inspect() beside the types, where CAF finds it by argument lookup.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hello& x) {
  return f(caf::meta::type_name("hello"), x.version, x.id, x.epoch, x.nonce,
           x.now, x.advertise, x.speaks_peers, x.speaks_tree,
           x.speaks_reconcile);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, auth& x) {
  return f(caf::meta::type_name("auth"), x.mac);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sync& x) {
  return f(caf::meta::type_name("sync"), x.since, x.sketch);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, changes& x) {
  return f(caf::meta::type_name("changes"), x.items, x.upto, x.ids,
           x.refused, x.refusal);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ack& x) {
  return f(caf::meta::type_name("ack"), x.upto);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, error& x) {
  return f(caf::meta::type_name("wire_error"), x.message);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, item_id& x) {
  return f(caf::meta::type_name("item_id"), x.path, x.time, x.origin);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, graft& x) {
  return f(caf::meta::type_name("graft"), x.items);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, prune& x) {
  return f(caf::meta::type_name("prune"), x.origins);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, payload& x) {
  return f(caf::meta::type_name("payload"), x.items, x.refused, x.refusal,
           x.refused_paths);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, address& x) {
  return f(caf::meta::type_name("address"), x.id, x.url);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peers& x) {
  return f(caf::meta::type_name("peers"), x.addresses, x.reply);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, shed&) {
  return f(caf::meta::type_name("shed"));
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reconcile& x) {
  return f(caf::meta::type_name("reconcile"), x.horizon, x.after, x.through,
           x.end, x.paths);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, reconciled&) {
  return f(caf::meta::type_name("reconciled"));
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, horizon& x) {
  return f(caf::meta::type_name("horizon"), x.value);
}

} // namespace p2p::wire

namespace p2p {

class ws_link;

/// A WebSocket link as the bridge holds it, with its io_context, which must
/// outlive it (members go in reverse order: the link first). Only ever sent
/// between actors of one process.
struct ws_link_ref {
  std::shared_ptr<boost::asio::io_context> ioc;
  std::shared_ptr<ws_link> link;
};

using link_open_atom = caf::atom_constant<caf::atom("link_open")>;
using link_down_atom = caf::atom_constant<caf::atom("link_down")>;
using frame_atom = caf::atom_constant<caf::atom("frame")>;
using dial_atom = caf::atom_constant<caf::atom("dial")>;
using claim_atom = caf::atom_constant<caf::atom("claim")>;
using log_atom = caf::atom_constant<caf::atom("log")>;
using remote_atom = caf::atom_constant<caf::atom("remote")>;
using peer_up_atom = caf::atom_constant<caf::atom("peer_up")>;
using send_atom = caf::atom_constant<caf::atom("send")>;
using close_atom = caf::atom_constant<caf::atom("close")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using block_atom = caf::atom_constant<caf::atom("block")>;
using hello_deadline_atom = caf::atom_constant<caf::atom("hello_dl")>;
using closed_all_atom = caf::atom_constant<caf::atom("closed_all")>;
using graft_check_atom = caf::atom_constant<caf::atom("graft_chk")>;
using link_up_atom = caf::atom_constant<caf::atom("link_up")>;
using dial_ended_atom = caf::atom_constant<caf::atom("dial_ended")>;
using shed_atom = caf::atom_constant<caf::atom("shed")>;

/// One link's end of the protocol (see peer_actor.hpp). Decoded messages
/// arrive from the bridge; link_open/link_down report the transport.
using peer_actor = caf::typed_actor<
  caf::reacts_to<link_open_atom, uint64_t>,
  caf::reacts_to<link_down_atom, uint64_t, std::string>,
  caf::reacts_to<wire::hello>, caf::reacts_to<wire::sync>,
  caf::reacts_to<wire::changes>, caf::reacts_to<wire::ack>,
  caf::reacts_to<wire::error>,
  caf::reacts_to<wire::graft>,
  caf::reacts_to<wire::prune>, caf::reacts_to<wire::payload>,
  caf::reacts_to<wire::peers>, caf::reacts_to<wire::shed>,
  caf::reacts_to<wire::reconcile>, caf::reacts_to<wire::reconciled>,
  caf::reacts_to<wire::horizon>,
  caf::reacts_to<log_atom>,
  caf::reacts_to<hello_deadline_atom, uint64_t>,
  caf::reacts_to<graft_check_atom>,
  caf::reacts_to<retry_atom>>;

/// The overlay (see overlay_actor.hpp): told of every link up (id, the
/// other's hello, inbound, its peer actor) and down (id, reason), of peer
/// exchange messages (the message, the link they came on, whether the link
/// is authenticated), and of its own dials' end (url, ok, remote id, self).
/// tick: its own timer.
using overlay_actor = caf::typed_actor<
  caf::reacts_to<link_up_atom, uint64_t, wire::hello, bool, peer_actor>,
  caf::reacts_to<link_down_atom, uint64_t, std::string>,
  caf::reacts_to<wire::peers, uint64_t>,
  caf::reacts_to<dial_ended_atom, std::string, bool, std::string, bool>,
  caf::reacts_to<tick_atom>>;

/// The bridge (see bridge_actor.hpp; declared here because bridge and
/// peers refer to each other). link_open (id, link, direction, address),
/// link_down (id, reason) and frame (id, text, is_text) come from the
/// WebSocket side; dial (id, url, peer) from an outbound peer actor; send
/// (id, message, or a frame encoded already) and close (id, reason) from
/// peer actors and the overlay; block (ids): refuse
/// links to these nodes, closing those up (a partition, for simulations);
/// overlay (handle): the peer actors of accepted links report to it;
/// closed_all: its own deadline for saying goodbye on shutdown.
using bridge_actor = caf::typed_actor<
  caf::reacts_to<link_open_atom, uint64_t, ws_link_ref, std::string,
                 std::string>,
  caf::reacts_to<link_down_atom, uint64_t, std::string>,
  caf::reacts_to<frame_atom, uint64_t, std::string, bool>,
  caf::reacts_to<dial_atom, uint64_t, std::string, peer_actor>,
  caf::reacts_to<send_atom, uint64_t, wire::sync>,
  caf::reacts_to<send_atom, uint64_t, wire::changes>,
  caf::reacts_to<send_atom, uint64_t, wire::ack>,
  caf::reacts_to<send_atom, uint64_t, std::string>,
  caf::reacts_to<close_atom, uint64_t, std::string>,
  caf::reacts_to<block_atom, std::vector<std::string>>,
  caf::reacts_to<overlay_actor>,
  caf::reacts_to<closed_all_atom>>;

/// Starts an outbound WebSocket connection (Asio side) that reports to the
/// bridge under the given link id.
using link_dialer = std::function<void(uint64_t link_id, const std::string& url,
                                       const bridge_actor& bridge)>;

} // namespace p2p

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(p2p::ws_link_ref)
