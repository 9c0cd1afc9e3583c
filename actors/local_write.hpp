#pragma once
// What a local write must pass before it is stamped: the path rules, the
// application's hooks (hooks.hpp) and the schemas of its prefix. Updates
// from peers and imports do not pass here: they were accepted where made.
#include "actors/hooks.hpp"
#include "protocol/schema_set.hpp"

#include <caf/expected.hpp>

#include <string>

namespace p2p {

struct write_rules {
  const node_hooks* hooks = nullptr; // may be null
  const schema_set* schemas = nullptr;
};

/// The canonical JSON to store for a put of `json` at `path`, after the
/// hook may have changed it and the schemas accepted it; or why not.
caf::expected<std::string> checked_put(const write_rules& rules,
                                       const std::string& path,
                                       const std::string& json);

/// Whether the hook lets `path` be deleted.
caf::error checked_delete(const write_rules& rules, const std::string& path);

} // namespace p2p
