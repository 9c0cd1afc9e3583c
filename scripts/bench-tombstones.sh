#!/usr/bin/env bash
# Tombstone collection at scale (scripts/bench/tombstones.py): 100,000 PUTs then 100,000 DELETEs
# and 20,000 new PUTs on a node with --tombstone-ttl 2s and, interleaved, on one keeping
# tombstones for ever; the timed writes' rates compared (same run), LMDB records (mdb_stat) and
# data.mdb size before and after, two rounds.
# Usage: scripts/bench-tombstones.sh [--quick] [--check]   (--quick: 20,000 and 5,000)
#   env: P2P_NODE (default build/p2p-node, built when missing)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
node=${P2P_NODE:-$repo/build/p2p-node}
[[ -x $node ]] || "$repo/scripts/build.sh"
args=()
for a in "$@"; do
  case $a in
    --quick) args+=(--n 20000 --m 5000) ;;
    --check) args+=(--check) ;;
    -h | --help) sed -n '2,7s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "usage: $0 [--quick] [--check]" >&2; exit 2 ;;
  esac
done
command -v mdb_stat >/dev/null || { echo "bench: mdb_stat missing (apt-get install lmdb-utils)" >&2; exit 1; }
exec python3 "$repo/scripts/bench/tombstones.py" "$node" "${args[@]}"
