#!/usr/bin/env bash
# Installs what building and testing p2psync needs, from Debian 12's archive only.
# Idempotent: when every package is present it returns at once without touching apt.
set -euo pipefail

packages=(
  g++ cmake make pkg-config ca-certificates
  libcaf-dev liblmdb-dev lmdb-utils
  libboost1.81-dev libboost-json1.81-dev
  doctest-dev libssl-dev python3
  libboost-program-options1.81-dev
  python3-prometheus-client chromium
)
# Extra tools for benchmarks and fuzzing: `scripts/setup.sh --bench`.
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(wrk nginx-light clang linux-perf)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq >&2
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
