#!/usr/bin/env bash
# Benchmark: streamed import and export of 1,000,000 entries on a running node, with the
# node's peak anonymous memory during each (bounded memory), and the CLI export.
# Usage: scripts/bench-transfer.sh [--entries 1000000]   env: P2P_NODE
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
P2P_NODE=$(scripts/bench/ours.sh)
exec python3 scripts/bench/transfer.py "$P2P_NODE" "$@"
