#pragma once
// The launcher's command line, parsed without side effects so it is unit
// tested on its own.
#include "p2psync/server.hpp"

#include <string>
#include <vector>

namespace p2p {

struct launch_command {
  enum kind { run, help, error } what = run;
  server_options options;
  std::string message; // for help: the usage; for error: what is wrong
  std::string secret_file;
  std::string token_file;
  std::vector<std::pair<std::string, std::string>> schema_files; // prefix, file
};

launch_command parse_node_args(const std::vector<std::string>& args);

/// Reads the secret, token and schema files named by `cmd` into its
/// options; an error (a missing, unreadable or empty file) is returned as
/// text.
std::string load_files(launch_command& cmd);

/// True for an address only this machine can reach.
bool is_loopback(const std::string& host);

std::string node_usage();

} // namespace p2p
