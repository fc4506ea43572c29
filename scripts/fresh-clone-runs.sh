#!/usr/bin/env bash
# Runs what CI runs (`bash .ci/run`) in N fresh clones of this repository's HEAD, one after another, and reports how
# many passed. A test that fails once in N runs is flaky, and a flaky test blocks a landing one day.
#   scripts/fresh-clone-runs.sh [N=10] [LOG_DIR=/tmp/fairshrink-fresh-runs]
# Each run's full output stays in LOG_DIR/run-<i>.log; the clones are removed after a passing run and kept after a
# failing one (the path is printed).
set -uo pipefail
runs="${1:-10}"
logs="${2:-/tmp/fairshrink-fresh-runs}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
commit="$(git -C "$repo" rev-parse HEAD)"
mkdir -p "$logs"
passed=0
failed=0
for i in $(seq 1 "$runs"); do
  clone="$(mktemp -d)"
  git clone -q "$repo" "$clone" && git -C "$clone" checkout -q "$commit"
  start=$(date +%s)
  if (cd "$clone" && CI=true bash .ci/run </dev/null >"$logs/run-$i.log" 2>&1); then
    passed=$((passed + 1))
    rm -rf "$clone"
    echo "run $i/$runs: passed in $(($(date +%s) - start)) s"
  else
    failed=$((failed + 1))
    echo "run $i/$runs: FAILED in $(($(date +%s) - start)) s (log $logs/run-$i.log, clone kept at $clone)"
    grep -E "FAIL|✗|×|AssertionError|Error:" "$logs/run-$i.log" | head -20
  fi
done
echo "fresh-clone runs of ${commit:0:12}: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
