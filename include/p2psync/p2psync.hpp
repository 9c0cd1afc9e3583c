#pragma once
// Everything an application uses from p2psync (docs/embedding.md):
// P2PServer and its options (server.hpp), the node's typed actor interface
// (node_actor.hpp), the log's level and format (log.hpp), and the version
// it was built as (version.hpp).
#include "p2psync/log.hpp"
#include "p2psync/node_actor.hpp"
#include "p2psync/server.hpp"
#include "p2psync/version.hpp"
