#pragma once
// The launcher's command line, parsed without side effects so it is unit
// tested on its own. Every flag may also come from the environment as
// P2P_<FLAG> (upper case, dashes as underscores: P2P_PORT,
// P2P_TOMBSTONE_TTL); a repeatable flag takes a comma-separated list there,
// --token-reads 1/true/0/false. The command line wins over the
// environment; P2P_* names that are no flag (P2P_NODE, say) are ignored.
// A variable set but empty is an error, as is a flag given twice unless
// it repeats (--peer, --index, --schema, --cors-origin).
#include "p2psync/server.hpp"
#include "p2psync/log.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace p2p {

struct launch_command {
  enum kind { run, help, version, error } what = run;
  server_options options;
  std::string message; // help: the usage; version: the line; error: why
  std::string secret_file;
  std::string token_file;
  std::vector<std::pair<std::string, std::string>> schema_files; // prefix, file
  log::level log_level = log::level::info;
  log::format log_format = log::format::text;
};

/// An environment variable's value, or nothing when it is not set.
using env_lookup =
  std::function<std::optional<std::string>(const std::string& name)>;

/// The process's environment (getenv), for the launcher.
std::optional<std::string> process_env(const std::string& name);

/// Without `env` only `args` count.
launch_command parse_node_args(const std::vector<std::string>& args,
                               const env_lookup& env = {});

/// The environment variable of a flag: "tombstone-ttl" → P2P_TOMBSTONE_TTL.
std::string env_name(std::string_view flag);

/// The flags parse_node_args knows, without dashes, in usage order.
std::vector<std::string> node_flag_names();

/// "p2p-node 0.2.0 (git abc123def456)", the revision only when known.
std::string version_line(const std::string& program);

/// Reads the secret, token and schema files named by `cmd` into its
/// options; an error (a missing, unreadable or empty file) is returned as
/// text.
std::string load_files(launch_command& cmd);

/// True for an address only this machine can reach.
bool is_loopback(const std::string& host);

std::string node_usage();

} // namespace p2p
