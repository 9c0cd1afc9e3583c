#pragma once
// An environment for parse_node_args made of a map: what the launcher's
// P2P_<FLAG> variables would hold, without touching the process's own.
#include "apps/node_options.hpp"

#include <map>
#include <optional>
#include <string>

namespace p2p::testing {

using env_map = std::map<std::string, std::string>;

inline env_lookup env_of(env_map vars) {
  return [vars = std::move(vars)](const std::string& name)
           -> std::optional<std::string> {
    auto i = vars.find(name);
    if (i == vars.end())
      return std::nullopt;
    return i->second;
  };
}

} // namespace p2p::testing
