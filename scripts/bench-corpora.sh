#!/usr/bin/env bash
# Corpus-stage throughput: synthetic generation (alias tables vs a straightforward reference
# sampler, same process) and our SHA-256 against coreutils' sha256sum on the same bytes.
# Usage: scripts/bench-corpora.sh [megabytes]   (builds release first)
set -euo pipefail
cd "$(dirname "$0")/.."
MB="${1:-64}"
swift build -c release ${SCRATCH:+--scratch-path "$SCRATCH"} >/dev/null
BIN="$(swift build -c release ${SCRATCH:+--scratch-path "$SCRATCH"} --show-bin-path)/scalelab"
RESULT="$("$BIN" corpus bench --megabytes "$MB")"
echo "$RESULT"
OURS=$(echo "$RESULT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sha256_MB_per_s"])')
TMP="$(mktemp)"; trap 'rm -f "$TMP"' EXIT
head -c $((MB / 2 * 1048576)) /dev/zero | tr '\0' 'Z' > "$TMP"
BEST=0
for _ in 1 2 3; do
  T0=$(date +%s.%N); sha256sum "$TMP" >/dev/null; T1=$(date +%s.%N)
  BEST=$(python3 -c "print(max($BEST, $MB / 2 * 1048576 / ($T1 - $T0) / 1e6))")
done
python3 -c "print(f'sha256sum: {$BEST:.0f} MB/s; ours/sha256sum = {$OURS / $BEST:.2f}')"
