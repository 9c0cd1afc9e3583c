#!/usr/bin/env bash
# Benchmark: what /metrics costs under load. GET throughput at 32 connections (wrk -t2 -c32,
# random keys among 1,000) with and without a scraper reading /metrics every 100 ms,
# interleaved; reports each pair, the median ratio, and the node's own time per scrape.
# Usage: scripts/bench-metrics.sh [--rounds 6] [--duration 5] [--interval 0.1]   env: P2P_NODE
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
command -v wrk >/dev/null || bash scripts/setup.sh --bench
P2P_NODE=$(scripts/bench/ours.sh)
exec python3 scripts/bench/metrics.py "$P2P_NODE" "$@"
