#pragma once
// The node's typed interface for CAF applications: the messages a node
// answers, what a subscriber receives, and the errors it replies with.
//
//   p2p::node_actor node = server.node();
//   self->request(node, 5s, p2p::put_atom::value, "users/alice", "{}")
//     .then([](const p2p::update& u) { ... });
//
// Replies arrive as errors of category "p2p" (p2p_errc) for a bad path or
// value, a refused write, or a missing entry.
#include "p2psync/query.hpp"
#include "p2psync/update.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace p2p {

// CAF already defines put/get/delete/subscribe/unsubscribe atoms with these
// texts; an atom is its text, so these are the same types.
using caf::delete_atom;
using caf::get_atom;
using caf::put_atom;
using caf::subscribe_atom;
using caf::unsubscribe_atom;
using scan_atom = caf::atom_constant<caf::atom("scan")>;
using query_atom = caf::atom_constant<caf::atom("query")>;
using add_index_atom = caf::atom_constant<caf::atom("addindex")>;
using drop_index_atom = caf::atom_constant<caf::atom("dropindex")>;
using schema_atom = caf::atom_constant<caf::atom("schema")>;
using import_atom = caf::atom_constant<caf::atom("import")>;

/// An update as applied by a node, with the local change sequence number
/// it got (the `id:` of an SSE event, the position for catch-up).
struct change {
  update u;
  uint64_t seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, update& x) {
  return f(caf::meta::type_name("update"), x.path, x.value, x.time, x.origin);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, change& x) {
  return f(caf::meta::type_name("change"), x.u, x.seq);
}

/// What a subscriber receives: one message per applied change at or below
/// its prefix, in the order the node applied them.
using subscriber_actor = caf::typed_actor<caf::reacts_to<change>>;

/// put (path, JSON text) -> the stamped update, once durable;
/// delete (path) -> the tombstone, or error not_found;
/// get (path) -> the live update, or error not_found;
/// scan (prefix, limit; 0 = all) -> live updates in path order;
/// query (field query) -> a page of matches;
/// add_index / drop_index (prefix, field pointer) -> (the index, entries
/// built) / whether it existed; schema (prefix, JSON Schema text; empty
/// removes) -> whether the prefix had one;
/// import (updates with their stamps) -> how many changed the store;
/// subscribe (prefix, who) -> id; unsubscribe (id).
using node_actor = caf::typed_actor<
  caf::replies_to<put_atom, std::string, std::string>::with<update>,
  caf::replies_to<delete_atom, std::string>::with<update>,
  caf::replies_to<get_atom, std::string>::with<update>,
  caf::replies_to<scan_atom, std::string, uint64_t>::with<std::vector<update>>,
  caf::replies_to<query_atom, field_query>::with<query_result>,
  caf::replies_to<add_index_atom, std::string, std::string>::with<index_def,
                                                                   uint64_t>,
  caf::replies_to<drop_index_atom, std::string, std::string>::with<bool>,
  caf::replies_to<schema_atom, std::string, std::string>::with<bool>,
  caf::replies_to<import_atom, std::vector<update>>::with<uint64_t>,
  caf::replies_to<subscribe_atom, std::string, subscriber_actor>::with<uint64_t>,
  caf::reacts_to<unsubscribe_atom, uint64_t>>;

enum class p2p_errc : uint8_t {
  invalid_path = 1,
  invalid_value,
  not_found,
  storage_failure,
  unavailable,
  rejected,         // refused by the application's write hook
  schema_violation, // the message is the whole JSON answer, violations listed
  hook_failure,     // the application's hook threw
  too_large,        // a value over max_value_bytes as stored (limits.hpp)
};

caf::error make_error(p2p_errc code, std::string message);

/// True when `err` is of our category with code `code`.
bool is_error(const caf::error& err, p2p_errc code);

/// The human-readable text carried by one of our errors.
std::string error_message(const caf::error& err);

} // namespace p2p

// Local only (never serialized): queries and index descriptions.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(p2p::field_query)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(p2p::query_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(p2p::index_def)
