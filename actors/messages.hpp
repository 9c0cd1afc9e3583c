#pragma once
// The actors' own atoms and message types, beside the public ones
// (p2psync/node_actor.hpp). Nothing of Beast.
#include "p2psync/node_actor.hpp"
#include "p2psync/update.hpp"
#include "storage/database.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace p2p {

// The public atoms are in p2psync/node_actor.hpp; these are the actors' own.
using caf::publish_atom;
using apply_atom = caf::atom_constant<caf::atom("apply")>;
using commit_atom = caf::atom_constant<caf::atom("commit")>;
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

} // namespace p2p
