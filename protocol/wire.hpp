#pragma once
// The peer-link wire protocol: JSON text frames over a WebSocket at /p2p.
// See protocol/WIRE.md for the message set with the JSON of each message.
// decode() is the only parser of peer input: everything it returns has
// passed the path rules, the type checks and the limits.
#include "p2psync/limits.hpp"
#include "p2psync/update.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace p2p::wire {

constexpr int protocol_version = 1;
/// Largest frame a node sends or accepts (limits.hpp).
using p2p::max_frame_bytes;

/// An item stamped further than this ahead of the receiver's wall clock is
/// refused: a lying or badly skewed peer must not pin paths (or the clock)
/// to the far future.
constexpr uint64_t max_clock_skew_ms = 10 * 60 * 1000;

/// First message on a link, both ways.
struct hello {
  int version = protocol_version;
  std::string id;    // node id
  std::string epoch; // identifies the database; checkpoints are kept per epoch
  std::string nonce; // fresh per link, with a cluster secret (else empty)
  uint64_t now = 0;  // the sender's wall clock in ms (0: not sent)
  // Where other nodes can dial the sender (a peer URL; empty: not said).
  std::string advertise;
  // What the sender speaks beyond version 1's messages (older nodes send
  // none, and must be sent none of the messages below `error`).
  bool speaks_peers = false; // "peers": peers, shed
  bool speaks_tree = false;  // "tree": changes' ids, graft, prune, payload
  bool speaks_reconcile = false; // "reconcile": reconcile, reconciled, horizon
};

/// With a cluster secret: proof that the sender knows it, bound to both
/// hellos' nonces (see auth.hpp).
struct auth {
  std::string mac; // hex HMAC-SHA256
};

/// "Send me your changes after `since`" (your local change sequence). With
/// since 0 and a `sketch` (sketch.hpp, as text) of what the sender already
/// holds, "send me only what I lack, then your changes from there".
struct sync {
  uint64_t since = 0;
  std::string sketch;
};

/// Identifies one version of one path: an update without its value.
struct item_id {
  std::string path;
  hlc_time time = 0;
  std::string origin;
};

/// A run of the sender's changes: the items, and the sender's change seq
/// the run reaches (items the receiver already has are left out, so `upto`
/// can move without items).
struct changes {
  std::vector<update> items;
  uint64_t upto = 0;
  // Tree broadcast: the run's other items, announced by id only (their
  // origins' updates reach the receiver along another link's tree).
  std::vector<item_id> ids;
  // Decoding only: items left out for a stamp too far ahead of our clock
  // (the rest of the run stands), and why the first of them was.
  uint64_t refused = 0;
  std::string refusal;
};

/// The receiver applied the sender's changes through `upto` (flow control).
struct ack {
  uint64_t upto = 0;
};

/// Sent before closing a link for a protocol error.
struct error {
  std::string message;
};

/// "Send me these, and push their origins' updates to me from now on."
struct graft {
  std::vector<item_id> items;
};

/// "Send me these origins' updates as ids only from now on": their
/// payloads came twice.
struct prune {
  std::vector<std::string> origins;
};

/// A graft's answer: the sender's current version of the paths asked for.
/// Not part of the change-log stream: not acknowledged.
struct payload {
  std::vector<update> items;
  uint64_t refused = 0; // decoding only, as in `changes`
  std::string refusal;
  std::vector<std::string> refused_paths; // decoding only: those items' paths
};

/// A node another node can dial; `id` is a hint (empty: unknown).
struct address {
  std::string id;
  std::string url;
};

/// Peer exchange: addresses the sender knows (itself first). `reply`: the
/// receiver should answer with its own sample (a shuffle).
struct peers {
  std::vector<address> addresses;
  bool reply = false;
};

/// "This node has enough links and is closing ours; try the others."
struct shed {};

/// Tombstone collection (WIRE.md, "reconcile"): a page of the sender's
/// inventory, every path it holds in (after, through] (`end`: to the end
/// of the key space), sent to a node that may hold values whose deletes the
/// sender collected; what the receiver holds in that range older than
/// `horizon` and not listed, it removes.
struct reconcile {
  hlc_time horizon = 0;
  std::string after;
  std::string through; // empty with `end`
  bool end = false;
  std::vector<std::string> paths; // ascending, each in (after, through]
};

/// The receiver applied one `reconcile` page (flow control).
struct reconciled {};

/// Sent once the receiver applied every page and the sender's log up to
/// where it stood: "you now hold my picture; take my horizon".
struct horizon {
  hlc_time value = 0;
};

/// Limits of the overlay and tree messages (a liar cannot make a node hold
/// more than this per frame).
constexpr std::size_t max_ids_per_frame = 2048;
constexpr std::size_t max_addresses_per_frame = 32;
constexpr std::size_t max_url_bytes = 256;
constexpr std::size_t max_paths_per_page = 4096;

using message = std::variant<hello, auth, sync, changes, ack, error, graft,
                             prune, payload, peers, shed, reconcile,
                             reconciled, horizon>;

/// Parses one frame. On failure returns false and says why in `why`.
/// `now_ms` is the receiver's wall clock, for the skew check: an item of
/// `changes` stamped too far ahead is left out and counted (`refused`), not
/// a protocol error.
bool decode(std::string_view text, message& out, std::string& why,
            uint64_t now_ms);
/// The same, reading the system clock.
bool decode(std::string_view text, message& out, std::string& why);

std::string encode(const hello& m);
std::string encode(const auth& m);
std::string encode(const sync& m);
std::string encode(const ack& m);
std::string encode(const error& m);
std::string encode(const graft& m);
std::string encode(const prune& m);
std::string encode(const peers& m);
std::string encode(const shed& m);
std::string encode(const reconcile& m);
std::string encode(const reconciled& m);
std::string encode(const horizon& m);
/// A graft's answer, from `items` by pointer.
std::string encode_payload(const std::vector<const update*>& items);
/// Encodes `items` (by pointer, to send straight from a read buffer).
/// `ids_bytes`, when given, gets the bytes the ids took (for /metrics).
std::string encode_changes(const std::vector<const update*>& items,
                           uint64_t upto,
                           const std::vector<item_id>* ids = nullptr,
                           std::size_t* ids_bytes = nullptr);

/// The bytes one id takes in an encoded frame (no comma).
std::size_t encoded_id_bytes(const item_id& id);

/// The bytes one item takes in an encoded `changes` frame (no comma).
std::size_t encoded_item_bytes(const update& u);

/// True for a node id or epoch: 1 to 64 lowercase or uppercase hex digits.
bool is_hex_id(std::string_view s);

/// Empty when an update carried in from elsewhere (a peer, an import) may
/// be applied: a valid path, a hex origin, and a stamp at most 10 minutes
/// ahead of `now_ms`; otherwise why not.
std::string update_error(const update& u, uint64_t now_ms);
/// The part of update_error() about the stamp alone.
std::string skew_error(const update& u, uint64_t now_ms);

} // namespace p2p::wire
