#!/usr/bin/env bash
# Installs what is missing, builds, and runs one node on the defaults
# (127.0.0.1:3000, ./p2p-data). Extra arguments go to p2p-node. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh --target p2p-node
exec "${P2P_BUILD_DIR:-build}/p2p-node" "$@"
