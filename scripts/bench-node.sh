#!/usr/bin/env bash
# Benchmarks one p2psync HTTP node against two baselines in the same run, interleaved
# (ours, seed, nginx, ours, seed, nginx, ...) because the machine is noisy; reports medians.
#   ours:  $P2P_NODE (default build/p2p-node, built when missing; may be a command with
#          spaces, e.g. "node /path/bin/p2p-node.js")
#   seed:  the seed's Node.js re-creation, $SEED_DIR (default ../shared/anchors/seed-node)
#   nginx: a static ~60-byte JSON file, the machine's HTTP ceiling
# Workloads (wrk, 2 threads, 32 connections, --latency): PUT of unique paths, GET of random keys
# among 1,000 preloaded ones, nginx static GET. Also startup time and idle RSS (5 starts each).
# Usage: scripts/bench-node.sh [--quick]    (--quick: 1 round of 2 s runs instead of 3 x 5 s)
#   env: P2P_NODE, SEED_DIR, BENCH_ROUNDS (3), BENCH_DURATION (seconds, 5), BENCH_STARTS (5)
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench=$repo/scripts/bench
rounds=${BENCH_ROUNDS:-3} dur=${BENCH_DURATION:-5} starts=${BENCH_STARTS:-5}
keys=1000 threads=2 conns=32
case ${1:-} in
  "") ;;
  --quick) rounds=1 dur=2 ;;
  -h | --help) sed -n '2,12s/^# \{0,1\}//p' "$0"; exit 0 ;;
  *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

log() { printf '%s\n' "$*" >&2; }
die() { log "bench: $*"; exit 1; }

tmp=$(mktemp -d /tmp/bench-node.XXXXXX)
results=$tmp/results
declare -A live=()  # pids of the servers we started

# reap PID: SIGTERM, up to 5 s to exit, then SIGKILL.
reap() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "live[$pid]"
}
cleanup() {
  local pid
  for pid in "${!live[@]}"; do reap "$pid"; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the three targets -------------------------------------------------------------------
bash "$repo/scripts/setup.sh" --bench
for tool in wrk nginx python3 curl; do command -v "$tool" >/dev/null || die "$tool not found"; done

SEED_DIR=${SEED_DIR:-$repo/../shared/anchors/seed-node}
seed_line=$(bash "$SEED_DIR/setup.sh" | tail -n 1)
read -ra seed_cmd <<<"$seed_line"

if [[ -z ${P2P_NODE:-} ]]; then
  P2P_NODE=$repo/build/p2p-node
  if [[ ! -x $P2P_NODE ]]; then
    log "bench: $P2P_NODE missing, building it"
    bash "$repo/scripts/setup.sh"
    (cd "$repo" && cmake -S . -B build -DCMAKE_BUILD_TYPE=Release &&
      cmake --build build -j2 --target p2p-node) >&2
  fi
fi
read -ra ours_cmd <<<"$P2P_NODE"
command -v "${ours_cmd[0]}" >/dev/null || die "P2P_NODE: ${ours_cmd[0]} is not executable"

# start_node ours|seed: starts a fresh node in its own temp dir and waits for its
# "listening on http://HOST:PORT id=HEX" line. Sets node_pid, node_url, node_ms, node_dir.
start_node() {
  local -n cmd=${1}_cmd
  local line t0 t1 us
  node_dir=$(mktemp -d "$tmp/$1.XXXXXX")
  mkfifo "$node_dir/out"
  t0=$EPOCHREALTIME
  "${cmd[@]}" --port 0 --db "$node_dir/db" >"$node_dir/out" 2>"$node_dir/err" &
  node_pid=$!
  live[$node_pid]=1
  exec {node_fd}<"$node_dir/out"  # kept open until the node exits: no SIGPIPE on later writes
  if ! IFS= read -r -t 30 line <&"$node_fd"; then
    die "$1 node gave no listening line in 30 s; stderr: $(tail -n 5 "$node_dir/err")"
  fi
  t1=$EPOCHREALTIME
  [[ $line =~ ^listening\ on\ (http://[^ ]+:[0-9]+)\ id=[0-9a-fA-F]+$ ]] ||
    die "$1 node printed an unexpected line: $line"
  node_url=${BASH_REMATCH[1]}
  us=$((10#${t1/./} - 10#${t0/./}))
  node_ms=$((us / 1000)).$(printf '%03d' $((us % 1000)))
}
stop_node() {
  reap "$node_pid"
  exec {node_fd}<&-
  rm -rf "$node_dir"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_nginx() {
  local d=$tmp/nginx port i
  mkdir -p "$d/www"
  printf '%s\n' '{"ok":true,"name":"bench","value":"0123456789abcdefghijklmn"}' >"$d/www/bench.json"
  port=$(free_port)
  cat >"$d/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  keepalive_requests 1000000;
  client_body_temp_path $d/body;
  proxy_temp_path $d/proxy;
  fastcgi_temp_path $d/fastcgi;
  uwsgi_temp_path $d/uwsgi;
  scgi_temp_path $d/scgi;
  server { listen 127.0.0.1:$port; root $d/www; }
}
EOF
  chmod -R a+rX "$tmp"  # workers run as nobody when we are root
  nginx -e "$d/error.log" -p "$d" -c "$d/nginx.conf" 2>"$d/stderr" &
  live[$!]=1
  nginx_url=http://127.0.0.1:$port/bench.json
  for ((i = 0; i < 50; i++)); do
    curl -sf -o /dev/null "$nginx_url" && return 0
    sleep 0.1
  done
  die "nginx did not serve $nginx_url: $(tail -n 5 "$d/stderr" "$d/error.log" 2>/dev/null)"
}

# run_wrk TARGET WORKLOAD URL [LUA_SCRIPT [SCRIPT_ARGS...]]: one wrk run; appends rps, p50,
# p99 (ms) and errors to the results.
run_wrk() {
  local target=$1 workload=$2 url=$3 out rps p50 p99 err script=()
  shift 3
  if (($#)); then script=(-s "$1" "$url" --); shift; else script=("$url"); fi
  out=$tmp/wrk.$target.$workload.$round
  wrk -t"$threads" -c"$conns" -d"${dur}s" --latency "${script[@]}" "$@" >"$out" 2>&1 ||
    die "wrk failed: $(cat "$out")"
  read -r rps p50 p99 err < <(awk '
    function ms(v) {
      if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0
      if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v + 0
    }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    $1 == "Requests/sec:" { rps = $2 }
    /Socket errors:/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/ { err += $5 }
    END { if (rps == "") exit 1; printf "%s %.3f %.3f %d\n", rps, p50, p99, err }' "$out") ||
    die "could not parse wrk output: $(cat "$out")"
  printf '%s %s_%s %s\n' "$target" "$workload" rps "$rps" "$target" "$workload" p50 "$p50" \
    "$target" "$workload" p99 "$p99" "$target" "$workload" err "$err" >>"$results"
  log "  round $round  $target $workload: $rps req/s  p50 $p50 ms  p99 $p99 ms  errors $err"
}

# bench_node ours|seed: fresh node, preload keys, GET run, PUT run, stop.
bench_node() {
  start_node "$1"
  python3 "$bench/preload.py" "$node_url" "$keys" 16 || die "$1: preload failed"
  run_wrk "$1" get "$node_url/" "$bench/get.lua" "$keys"
  run_wrk "$1" put "$node_url/" "$bench/put.lua"
  stop_node
}

# --- the run -----------------------------------------------------------------------------
log "bench: ours = ${ours_cmd[*]}"
log "bench: seed = ${seed_cmd[*]}"
log "bench: $rounds round(s) of ${dur} s wrk runs (-t$threads -c$conns), $starts starts per node, $(nproc) cores"
: >"$results"

log "startup and idle RSS:"
for ((i = 1; i <= starts; i++)); do
  for target in ours seed; do
    start_node "$target"
    sleep 1
    rss=$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$node_pid/status")
    printf '%s start_ms %s\n%s rss_mb %s\n' "$target" "$node_ms" "$target" "$rss" >>"$results"
    log "  start $i  $target: listening after $node_ms ms, idle RSS $rss MB"
    stop_node
  done
done

start_nginx
log "load (ours, seed, nginx per round):"
for ((round = 1; round <= rounds; round++)); do
  bench_node ours
  bench_node seed
  run_wrk nginx get "$nginx_url"
done

echo
echo "p2psync node benchmark: $rounds round(s) x ${dur} s, wrk -t$threads -c$conns, $keys GET keys, $(nproc) cores"
echo "ours:  ${ours_cmd[*]}"
echo "seed:  ${seed_cmd[*]}"
echo "nginx: static $(wc -c <"$tmp/nginx/www/bench.json")-byte JSON file"
echo
python3 "$bench/report.py" "$results"
