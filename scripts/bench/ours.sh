#!/usr/bin/env bash
# Prints the p2p-node command the benchmarks measure: $P2P_NODE if set, else
# build/p2p-node, built (incrementally) first.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [[ -n "${P2P_NODE:-}" ]]; then
  echo "$P2P_NODE"
  exit 0
fi
"$repo/scripts/build.sh" --target p2p-node
echo "$repo/${P2P_BUILD_DIR:-build}/p2p-node"
