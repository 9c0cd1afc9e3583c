#!/usr/bin/env bash
# Benchmark: 2,000 keys written into one end of a 10-node chain, timed until the other
# end holds all of them, for p2psync and for the seed's re-creation, interleaved; and how
# many times an update crosses a link in a 10-node random mesh; then tree broadcast against
# flooding, side by side, in a 50-node mesh (scripts/bench/tree.py, on p2p-sim).
# Usage: scripts/bench-sync.sh [--rounds N] [--keys K]   env: P2P_NODE, SEED_DIR
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
P2P_NODE=$(scripts/bench/ours.sh)
SEED_DIR=${SEED_DIR:-$repo/../shared/anchors/seed-node}
seed_cmd=$(bash "$SEED_DIR/setup.sh" | tail -n 1)
python3 scripts/bench/sync.py "$P2P_NODE" "$seed_cmd" "$@"
scripts/build.sh --target p2p-sim
rounds=3
for ((i = 1; i <= $#; i++)); do
  if [[ "${!i}" == "--rounds" ]]; then j=$((i + 1)); rounds=${!j}; fi
done
exec python3 scripts/bench/tree.py "${P2P_BUILD_DIR:-build}/p2p-sim" --rounds "$rounds"
