#pragma once
// Running the application's hooks (p2psync/hooks.hpp) over reads.
#include "p2psync/hooks.hpp"
#include "p2psync/update.hpp"

#include <optional>
#include <string>

namespace boost::json {
class value;
}

namespace p2p {

class database;

/// Runs on_read over `u` (its value as JSON text); false when hidden.
bool filter_read(const node_hooks& hooks, update& u);

/// Keeps the entries of `entries` that filter_read lets through.
void filter_reads(const node_hooks& hooks, std::vector<update>& entries);

/// The live entry at `path` as a reader may see it; nothing when absent,
/// deleted or hidden by on_read. Every reader (HTTP, facade, CAF) reads
/// through here and read_scan, so none can skip the hook.
std::optional<update> read_live(const database& db, const node_hooks& hooks,
                                std::string_view path);

/// Live entries under `prefix` in path order (limit 0: all), as readers
/// may see them: `limit` visible ones whenever the prefix holds that many.
std::vector<update> read_scan(const database& db, const node_hooks& hooks,
                              std::string_view prefix, std::size_t limit);

} // namespace p2p
