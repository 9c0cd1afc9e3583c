#pragma once
// What each launcher flag means: its value checked and stored in the
// launch command (node_options.cpp reads the flags and their sources).
#include "apps/node_options.hpp"

#include <string>

namespace p2p {

/// Stores one value of `flag` (no dashes: "port"); the error names the
/// flag. A repeatable flag is applied once per value.
std::string apply_flag(const std::string& flag, const std::string& value,
                       launch_command& cmd);

/// Checks between flags that need no file: --cors-origin * with
/// --token-file.
std::string check_flags(const launch_command& cmd);

} // namespace p2p
