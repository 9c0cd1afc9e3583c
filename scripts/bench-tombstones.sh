#!/usr/bin/env bash
# Tombstone collection at scale (scripts/bench/tombstones.py): 100,000 PUTs then 100,000
# DELETEs; then, interleaved on copies of that db, wrk PUT load on the node restarted with
# --tombstone-ttl 1s (collecting the 100,000 tombstones meanwhile) and with 0 (keeping them):
# the PUT rates compared (same run), LMDB records (mdb_stat) and data.mdb size before and after.
# Usage: scripts/bench-tombstones.sh [--quick] [--check]   (--quick: 20,000, 1 round of 3 s)
#   env: P2P_NODE (default build/p2p-node, built when missing)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
node=${P2P_NODE:-$repo/build/p2p-node}
[[ -x $node ]] || "$repo/scripts/build.sh"
args=()
for a in "$@"; do
  case $a in
    --quick) args+=(--n 20000 --rounds 1 --seconds 3) ;;
    --check) args+=(--check) ;;
    -h | --help) sed -n '2,7s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "usage: $0 [--quick] [--check]" >&2; exit 2 ;;
  esac
done
command -v mdb_stat >/dev/null || { echo "bench: mdb_stat missing (scripts/setup.sh)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench: wrk missing (scripts/setup.sh --bench)" >&2; exit 1; }
exec python3 "$repo/scripts/bench/tombstones.py" "$node" "${args[@]}"
