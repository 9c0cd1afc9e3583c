#!/usr/bin/env bash
# Fuzzes the wire decoder, the path rules and the data features' parsers
# (import lines, queries, cursors, schemas) with libFuzzer (clang from
# Debian) for a bounded time each; not part of CI.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
scripts/setup.sh --bench
dir=build-fuzz
# Configured every time (cheap): a target added since the last run exists.
CC=clang CXX=clang++ cmake -S . -B $dir -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DP2P_FUZZ=ON -DP2P_PCH=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined" >&2
cmake --build $dir -j2 --target fuzz_wire fuzz_path fuzz_data >&2
mkdir -p $dir/corpus/wire $dir/corpus/path $dir/corpus/data
# Seeds: one valid frame of each type, and a few paths.
printf '%s' '{"type":"hello","version":1,"id":"ab12","epoch":"cd34"}' > $dir/corpus/wire/hello
printf '%s' '{"type":"sync","since":5}' > $dir/corpus/wire/sync
printf '%s' '{"type":"ack","upto":5}' > $dir/corpus/wire/ack
printf '%s' '{"type":"changes","upto":3,"items":[{"path":"a/b","value":{"x":[1,"y"]},"hlc":123456789,"origin":"ab"}]}' > $dir/corpus/wire/changes
printf '%s' 'users/alice' > $dir/corpus/path/plain
printf 'caf\xc3\xa9/na\xc3\xafve' > $dir/corpus/path/unicode
printf '%s' '0{"path":"a/b","value":{"x":1},"timestamp":5,"origin":"ab","hlc":327680}' > $dir/corpus/data/line
printf '1/role\n"admin"\n"zzz"' > $dir/corpus/data/query
printf '1/n\n9007199254740993\n1e300' > $dir/corpus/data/range
printf '%s' '24061646d696e000075736572732f7531' > $dir/corpus/data/cursor
printf '%s\n%s' '3{"type":"object","required":["a"],"properties":{"a":{"type":"string","pattern":"^(a+)+$","maxLength":5}}}' '{"a":"aaaa!"}' > $dir/corpus/data/schema
for target in wire path data; do
  echo "== fuzz_$target for ${seconds}s" >&2
  $dir/fuzz_$target -max_total_time="$seconds" -max_len=4096 \
    -print_final_stats=1 $dir/corpus/$target 2>&1 |
    grep -E "stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|crash-" || true
done
