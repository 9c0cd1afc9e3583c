#!/usr/bin/env bash
# Repository hygiene that no compiler checks: the tree must not name paths of
# one machine (a home or work folder), so that it runs from any clone.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='(/work/|/root/|/home/[a-z])'
if hits=$(grep -rInE "$pattern" --exclude-dir=.git --exclude-dir='build*' \
            --exclude=check-repo.sh . ); then
  echo "machine-specific paths found:" >&2
  echo "$hits" >&2
  exit 1
fi
echo "no machine-specific paths"
