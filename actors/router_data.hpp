#pragma once
// The router's handlers for the data features: field queries, indexes,
// schemas and imports (split from router_actor.cpp to keep it readable).
#include "actors/router_actor.hpp"

namespace p2p {

using router_self = router_actor::stateful_pointer<router_state>;

/// Compiles the schemas kept in the db into the router's state.
void load_schemas(router_self self);

/// Checks and runs a field query on `db`, counts its plan and filters the
/// results through the read hook; any thread may call it (reads only).
caf::expected<query_result> answer_query(const database& db,
                                         node_metrics& metrics,
                                         const node_hooks& hooks,
                                         const field_query& q);

caf::result<index_def, uint64_t> add_index(router_self self,
                                           std::string prefix,
                                           std::string field);

caf::result<bool> drop_index(router_self self, std::string prefix,
                             std::string field);

/// Checks and keeps (or, for an empty text, removes) the schema of
/// `prefix`; answers whether the prefix had one.
caf::typed_response_promise<bool> set_schema(router_self self,
                                             std::string prefix,
                                             std::string text);

/// Checks updates carried in from outside the network (an export) before
/// they go through last-write-wins like a peer's batch; makes their values
/// canonical.
caf::error prepare_imported(std::vector<update>& updates);

/// Counts `u` (applied from a peer or an import) when it breaks a local
/// schema: it is stored all the same, so that every node keeps converging.
void note_schema_mismatch(router_self self, const update& u);

} // namespace p2p
