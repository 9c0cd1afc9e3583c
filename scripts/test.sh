#!/usr/bin/env bash
# Installs what is missing, builds everything, and runs the whole suite
# (unit, integration and black-box tests) through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
cd "${P2P_BUILD_DIR:-build}"
ctest --output-on-failure -j"${P2P_TEST_JOBS:-2}" "$@"
