#!/usr/bin/env bash
# Chaos runs against real processes and the simulator (scripts/chaos/*.py, stdlib Python):
#   kill     one node under 8-16 writers, kill -9 at a random moment, restart: nothing acknowledged lost
#   cluster  3-5 linked nodes with writers on all, repeated kill -9 and restart, then identical scans
#            holding every acknowledged write
#   sim      seeded random p2p-sim scenarios (p2p-sim --random SEED), each converged and identical
#   soak     three nodes under mixed load; heap RSS and open fds sampled, growth bounded
#
# scripts/chaos.sh --quick   ~1 minute: 10 kill trials, 6 cluster kills, 10 seeds, a 20 s soak
# scripts/chaos.sh --full    200 kill trials, 50 cluster kills, 100 seeds, a 10 minute soak
#                            (about 17 minutes on 2 cores); failing seeds are saved in tests/scenarios/
# scripts/chaos.sh --quick kill|cluster|sim|soak   one part only (CTest runs each this way)
# Binaries: $BUILD_DIR (default build/), or $P2P_NODE and $P2P_SIM. Prints one summary line per part; exits 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=${BUILD_DIR:-$root/build}
mode=${1:-}
shift || true
parts=${*:-kill cluster sim soak}
export P2P_NODE=${P2P_NODE:-$build/p2p-node}
sim=${P2P_SIM:-$build/p2p-sim}
seed=${CHAOS_SEED:-$(date +%s)}

case $mode in
  --quick)
    kill_args=(--trials 10) cluster_args=(--kills 6 --per-cluster 3)
    sim_args=(--seeds 10 --first "${CHAOS_FIRST_SEED:-1}" --save-failures "$build/chaos-failed-seeds")
    soak_args=(--seconds 20 --interval 2) ;;
  --full)
    kill_args=(--trials 200) cluster_args=(--kills 50 --per-cluster 10)
    sim_args=(--seeds 100 --first "${CHAOS_FIRST_SEED:-1}" --save-failures "$root/tests/scenarios")
    soak_args=(--seconds 600 --interval 10) ;;
  *) echo "usage: scripts/chaos.sh --quick|--full [kill] [cluster] [sim] [soak]" >&2; exit 2 ;;
esac

summary=() status=0
for part in $parts; do
  case $part in
    kill) cmd=(python3 scripts/chaos/kill_trials.py --seed "$seed" "${kill_args[@]}") ;;
    cluster) cmd=(python3 scripts/chaos/cluster_trials.py --seed "$seed" "${cluster_args[@]}") ;;
    sim) cmd=(python3 scripts/chaos/sim_seeds.py --sim "$sim" "${sim_args[@]}") ;;
    soak) cmd=(python3 scripts/chaos/soak.py "${soak_args[@]}") ;;
    *) echo "chaos.sh: unknown part '$part' (kill, cluster, sim, soak)" >&2; exit 2 ;;
  esac
  echo "== $part: ${cmd[*]}"
  log=$(mktemp)
  "${cmd[@]}" 2>&1 | tee "$log"
  out=$(grep -E "^$part: (PASS|FAIL)" "$log" | tail -1)
  rm -f "$log"
  [[ -n $out ]] || out="$part: FAIL (no summary; see above)"
  [[ $out == "$part: PASS"* ]] || status=1
  summary+=("$out")
done
echo "== chaos summary ($mode, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
printf '%s\n' "${summary[@]}"
exit $status
