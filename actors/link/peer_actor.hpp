#pragma once
// One peer link's protocol state: handshake, catch-up and live streaming of
// the local change log to the other node, applying what the other node
// streams, flow control, and (outbound links) reconnecting with exponential
// backoff and jitter.
//
// Sending needs no queue of updates: the local change log in LMDB is the
// queue. What to send when (cursor, window, acks, the sketch's backlog) is
// decided by replication_window (protocol/replication.hpp), plain code the
// actor feeds with the other node's messages. The log holds one entry per
// path, the newest, so a slow peer's backlog is coalesced by path for free,
// costs no memory here, and cannot stall the other links.
#include "actors/link/link_types.hpp"
#include "actors/link/link_table.hpp"
#include "actors/router_actor.hpp"
#include "protocol/graft_claims.hpp"
#include "protocol/inbound_runs.hpp"
#include "protocol/replication.hpp"

#include <caf/typed_event_based_actor.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>

namespace p2p {

class database;
struct node_metrics;

struct peer_deps {
  std::shared_ptr<database> db;
  router_actor router;
  bridge_actor bridge;
  std::shared_ptr<link_table> table;
  node_metrics* metrics = nullptr;
  std::string node_id;
  std::string epoch;
  overlay_actor overlay;  // told of links up and down (may be null)
  std::string advertise;  // our URL for other nodes, in our hello
  bool tree = true;       // tree broadcast with peers that speak it
  std::size_t min_links = 0; // a seed that shed us waits while we have this many
  inbound_limits inbound;
  std::shared_ptr<graft_claims> claims; // one per node (null: none)
};

/// Reconciliation (peer_reconcile.cpp), serving side: our inventory pages
/// to a node that may hold what we collected, then our horizon.
struct reconcile_out {
  bool active = false;
  bool sent_end = false;
  bool inventory = true; // list our paths (not to a node that holds none)
  hlc_time horizon = 0;
  std::string after;     // the next page starts past this path
  std::size_t in_flight = 0; // pages not yet acknowledged
  uint64_t upto = 0;     // our log position at its sync
};

/// Reconciliation, receiving side: the other node's pages applied here.
/// While `baseline` (we synced from nothing, until its `horizon`), its
/// updates skip our horizon check: we adopt its picture whole. A stale node
/// reconciling keeps checking: what it would drop, it deletes again.
struct reconcile_in {
  bool baseline = false;
  bool started = false;
  bool ended = false;
  hlc_time horizon = 0;
  std::string next_after;
  std::size_t applying = 0; // pages sent to the store, not yet answered
  uint64_t last_upto = 0;   // runs applied without their checkpoint
};

struct peer_state {
  static inline const char* name = "p2p.peer";

  peer_deps deps;
  bool outbound = false;
  std::string url; // outbound: where to dial; inbound: remote address
  uint64_t row_key = 0;
  uint64_t link_id = 0; // current link, 0 when none
  bool up = false;
  std::chrono::steady_clock::time_point up_since;
  std::string remote_epoch;
  std::string peer_error; // the other side's error message on this link
  bool asked_afresh = false; // this link: sent a second sync (peer_actor.cpp)
  link_row row;
  uint64_t last_run_upto = 0; // the other node's last run reached this

  replication_window replication; // sending our change log
  uint64_t acked_upto = 0;        // the other node applied our log through
  inbound_runs inbound;           // the other's runs, acknowledged in order
  bool remote_reconciles = false; // its hello lists "reconcile"
  reconcile_out serving;
  reconcile_in adopting;

  // Tree broadcast (Plumtree) on this link, with a tree per origin (as
  // Riak's broadcast keeps eager and lazy peers per root): both sides speak
  // it and we use it. lazy_push: origins whose updates we send as ids only
  // (a duplicate pruned them, on either side).
  bool tree = false;
  std::set<std::string> lazy_push;
  // When the graft timer set last fires (none: no timer set).
  std::optional<std::chrono::steady_clock::time_point> graft_check_at;

  // The overlay: a dial of a passive address does not reconnect (one_shot);
  // `shed`: the other side said it has enough links before closing.
  bool one_shot = false;
  bool shed = false;

  // Refusals of far-future items, logged now and then (a peer far ahead
  // can send one per frame): how many since the last line, and when.
  uint64_t refusals_unlogged = 0;
  std::chrono::steady_clock::time_point refusals_logged_at{};

  // Reconnecting.
  std::chrono::milliseconds backoff{0};
  std::minstd_rand rng{std::random_device{}()};

  void publish_row();
};

peer_actor::behavior_type
outbound_peer_impl(peer_actor::stateful_pointer<peer_state> self,
                   peer_deps deps, std::string url);

/// An overlay dial to a learned address: no reconnecting; its end is
/// reported to the overlay.
peer_actor::behavior_type
passive_peer_impl(peer_actor::stateful_pointer<peer_state> self,
                  peer_deps deps, std::string url);

peer_actor::behavior_type
inbound_peer_impl(peer_actor::stateful_pointer<peer_state> self,
                  peer_deps deps, uint64_t link_id, std::string address);

} // namespace p2p
