#!/usr/bin/env bash
# Configures (once) and builds p2psync in build/ (Release); incremental.
set -euo pipefail
cd "$(dirname "$0")/.."
"scripts/setup.sh"
build_dir=${P2P_BUILD_DIR:-build}
if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >&2
fi
cmake --build "$build_dir" -j"${P2P_JOBS:-2}" "$@" >&2
