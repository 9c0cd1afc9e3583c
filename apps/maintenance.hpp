#pragma once
// p2p-node's maintenance subcommands, run on a database directly:
//   p2p-node export --db PATH [--prefix P] [--tombstones]   NDJSON to stdout
//   p2p-node import --db PATH                                NDJSON from stdin
//   p2p-node export|import --help                            usage, exit 0
// Export reads a snapshot and may run beside a serving node. Import owns
// the db, so it refuses a db a node is serving (use POST /import there).
#include <iosfwd>
#include <string>
#include <vector>

namespace p2p {

/// True when args[0] names a subcommand; then `exit_code` is its result.
/// `err_is_terminal`: progress is redrawn on stderr (else one summary line).
bool run_maintenance(const std::vector<std::string>& args, std::istream& in,
                     std::ostream& out, std::ostream& err, int& exit_code,
                     bool err_is_terminal = false);

} // namespace p2p
