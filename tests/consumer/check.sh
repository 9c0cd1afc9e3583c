#!/usr/bin/env bash
# The library as an application outside this repository uses it: install
# the build into a fresh prefix, configure a separate project that does
# find_package(p2psync 0.2 REQUIRED), build the embedding example there and
# run it; then ask for a version the package is not and expect CMake's own
# refusal. Usage: check.sh BUILD_DIR (run by CTest as consumer.installed).
set -euo pipefail
build_dir=$(cd "$1" && pwd)
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/p2p-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" > "$work/install.log"
for f in include/p2psync/p2psync.hpp include/p2psync/version.hpp \
         lib/libp2psync.a lib/cmake/p2psync/p2psyncConfigVersion.cmake; do
  [[ -f "$work/prefix/$f" ]] || { echo "not installed: $f"; exit 1; }
done
# Only the public headers: nothing of the build's internal include dirs.
if [[ -e "$work/prefix/include/actors" || -e "$work/prefix/include/protocol" ]]; then
  echo "internal headers installed"; exit 1
fi

# The consumer sees the prefix and nothing of this source tree (the example
# is compiled from its directory only for example_support.hpp beside it).
launcher=()
if command -v ccache > /dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$source_dir/tests/consumer" -B "$work/build" \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release \
  -DP2P_EXAMPLE_DIR="$source_dir/apps" "${launcher[@]}" > "$work/configure.log"
cmake --build "$work/build" -j2 > "$work/build.log" || {
  cat "$work/build.log"; exit 1; }
(cd "$work" && "$work/build/embed-example")
echo "consumer: built and ran against $work/prefix"

# A version the package is not: CMake's own message, configure fails.
if cmake -S "$source_dir/tests/consumer" -B "$work/build-wrong" \
     -DCMAKE_PREFIX_PATH="$work/prefix" -DP2P_WANTED_VERSION=9.1 \
     -DP2P_EXAMPLE_DIR="$source_dir/apps" > "$work/wrong.log" 2>&1; then
  echo "find_package(p2psync 9.1) succeeded"; exit 1
fi
grep -q 'Could not find a configuration file for package "p2psync" that is' \
  "$work/wrong.log" || { cat "$work/wrong.log"; exit 1; }
echo "consumer: find_package(p2psync 9.1) refused by CMake"
