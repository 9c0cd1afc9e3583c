#pragma once
// p2p-node's maintenance subcommands, run on a database directly:
//   p2p-node export --db PATH [--prefix P] [--tombstones]   NDJSON to stdout
//   p2p-node import --db PATH                                NDJSON from stdin
// Export reads a snapshot and may run beside a serving node. Import owns
// the db, so it refuses a db a node is serving (use POST /import there).
#include <iosfwd>
#include <string>
#include <vector>

namespace p2p {

/// True when args[0] names a subcommand; then `exit_code` is its result.
bool run_maintenance(const std::vector<std::string>& args, std::istream& in,
                     std::ostream& out, std::ostream& err, int& exit_code);

} // namespace p2p
