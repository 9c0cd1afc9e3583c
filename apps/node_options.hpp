#pragma once
// The launcher's command line, parsed without side effects so it is unit
// tested on its own.
#include "actors/p2p_server.hpp"

#include <string>
#include <vector>

namespace p2p {

struct launch_command {
  enum kind { run, help, error } what = run;
  server_options options;
  std::string message; // for help: the usage; for error: what is wrong
};

launch_command parse_node_args(const std::vector<std::string>& args);

std::string node_usage();

} // namespace p2p
