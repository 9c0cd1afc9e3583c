#pragma once
// Atoms, message types and error codes shared by the actors. Included by the
// embedding header, so it pulls in CAF's core and nothing of Beast or LMDB.
#include "protocol/update.hpp"
#include "storage/database.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace p2p {

// CAF already defines put/get/delete/subscribe/unsubscribe/publish atoms
// with these texts; an atom is its text, so these are the same types.
using caf::delete_atom;
using caf::get_atom;
using caf::publish_atom;
using caf::put_atom;
using caf::subscribe_atom;
using caf::unsubscribe_atom;
using apply_atom = caf::atom_constant<caf::atom("apply")>;
using commit_atom = caf::atom_constant<caf::atom("commit")>;
using scan_atom = caf::atom_constant<caf::atom("scan")>;
using query_atom = caf::atom_constant<caf::atom("query")>;
using add_index_atom = caf::atom_constant<caf::atom("addindex")>;
using drop_index_atom = caf::atom_constant<caf::atom("dropindex")>;
using schema_atom = caf::atom_constant<caf::atom("schema")>;
using import_atom = caf::atom_constant<caf::atom("import")>;
using collect_atom = caf::atom_constant<caf::atom("collect")>;
using reconcile_atom = caf::atom_constant<caf::atom("reconcile")>;
using horizon_atom = caf::atom_constant<caf::atom("horizon")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;

/// One page of a reconciling peer's inventory: every path it holds in
/// (after, through] (`through` empty: to the end), and its horizon. What
/// this node holds in that range, older than the horizon and not listed,
/// was deleted there and collected (database::remove_absent).
struct absent_page {
  std::string after;
  std::string through;
  std::vector<std::string> held; // sorted
  hlc_time horizon = 0;
};

/// An update as applied by this node, with the local change sequence number
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

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_batch& x) {
  return f(caf::meta::type_name("write_batch"), x.updates, x.from,
           x.checkpoint_epoch, x.checkpoint_seq, x.check_horizon);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, absent_page& x) {
  return f(caf::meta::type_name("absent_page"), x.after, x.through, x.held,
           x.horizon);
}

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
