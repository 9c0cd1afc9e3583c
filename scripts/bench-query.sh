#!/usr/bin/env bash
# Benchmark: an equality (and a range) query on an indexed field over 100,000 entries
# against the same query answered by a scan, interleaved; reports both and the ratio.
# Usage: scripts/bench-query.sh [--entries 100000] [--rounds 5]   env: P2P_NODE
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
P2P_NODE=$(scripts/bench/ours.sh)
exec python3 scripts/bench/query.py "$P2P_NODE" "$@"
