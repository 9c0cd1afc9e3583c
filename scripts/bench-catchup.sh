#!/usr/bin/env bash
# Benchmark: catch-up bytes after missing k=100 updates with S=1,000 and S=100,000 entries
# (through the same and through a different peer), and a new node's time to get 100,000.
# Usage: scripts/bench-catchup.sh [--sizes 1000,100000] [--missed 100]   env: P2P_NODE
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
P2P_NODE=$(scripts/bench/ours.sh)
exec python3 scripts/bench/catchup.py "$P2P_NODE" "$@"
