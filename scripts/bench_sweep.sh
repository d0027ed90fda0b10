#!/usr/bin/env bash
# Times one 12-run sweep of small models under three local schedules, in one go (the machine is
# shared and noisy, so only figures from the same run compare): one run at a time on 2 threads,
# 2 at a time on 1 thread each, and the default the engine picks from its measurement. Prints
# each wall time, the engine's own overhead (planning, measuring, writing tables) as a share of
# the wall time, and the 1,000-run dry-run time.
#   scripts/bench_sweep.sh [CONFIG]      (default configs/examples/twelve-runs.yaml)
set -euo pipefail
cd "$(dirname "$0")/.."
config=${1:-configs/examples/twelve-runs.yaml}
bin=.build/release/scalelab
[ -x "$bin" ] || swift build -c release
out=$(mktemp -d /tmp/scalelab-bench-sweep.XXXXXX)
trap 'rm -rf "$out"' EXIT
# Prepare the corpus once, outside the timings.
"$bin" sweep "$config" --dry-run >/dev/null
run() {  # run NAME ARGS...: prints "NAME wall engine"
  local name=$1; shift
  local t0 t1 line
  t0=$(date +%s.%N)
  line=$("$bin" sweep "$config" --runs-dir "$out/$name" "$@" 2>"$out/$name.log" | head -1)
  t1=$(date +%s.%N)
  awk -v n="$name" -v a="$t0" -v b="$t1" -v l="$line" 'BEGIN {
    match(l, /engine [0-9.]+/); e = substr(l, RSTART + 7, RLENGTH - 7)
    printf "%-28s wall %7.1f s   engine %5.2f s (%.2f%% of wall)\n", n, b - a, e, 100 * e / (b - a) }'
  grep -m1 "^\[sweep\]" "$out/$name.log" || true
}
run "1 at a time x 2 threads" --jobs 1 --threads 2
run "2 at a time x 1 thread" --jobs 2 --threads 1
run "default (measured)"
# The 1,000-run dry-run: the config's 12 runs × a grid of 84 seeds (1,008 runs).
t0=$(date +%s.%N)
"$bin" sweep "$config" --dry-run --set "grid.seed=[$(seq -s, 1 84)]" | tail -1 >/dev/null
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "dry-run of 1,008 runs: %.2f s\n", b - a }'
