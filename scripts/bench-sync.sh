#!/usr/bin/env bash
# Benchmark: 2,000 keys written into one end of a 10-node chain, timed until the other
# end holds all of them, for p2psync and for the seed's re-creation, interleaved; and how
# many times an update crosses a link in a 10-node random mesh.
# Usage: scripts/bench-sync.sh [--rounds N] [--keys K]   env: P2P_NODE, SEED_DIR
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
P2P_NODE=$(scripts/bench/ours.sh)
SEED_DIR=${SEED_DIR:-$repo/../shared/anchors/seed-node}
seed_cmd=$(bash "$SEED_DIR/setup.sh" | tail -n 1)
exec python3 scripts/bench/sync.py "$P2P_NODE" "$seed_cmd" "$@"
