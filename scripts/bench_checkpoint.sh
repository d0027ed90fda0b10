#!/usr/bin/env bash
# Checkpoint overhead, measured in one run: trains configs/tiny.yaml for 200 steps twice, once
# checkpointing every step and once only at the end, and prints both tokens/s and their ratio.
# Usage: scripts/bench_checkpoint.sh [path/to/scalelab] [--set key=value]...
set -euo pipefail
BIN=${1:-.build/release/scalelab}; shift || true
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
run() {
  "$BIN" train configs/tiny.yaml --set training.steps=200 --set training.eval_interval=1000 \
    --set training.checkpoint_interval="$1" --out "$OUT/$1" "${@:2}" >/dev/null 2>&1
  python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['tokens_per_second'])" "$OUT/$1/summary.json"
}
every=$(run 1 "$@"); none=$(run 100000 "$@")
size=$(stat -c %s "$(ls "$OUT"/1/checkpoints/*.safetensors | tail -1)")
python3 - "$every" "$none" "$size" <<'PY'
import sys
every, none, size = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
print(f"checkpoint size {size/1e6:.2f} MB")
print(f"tokens/s checkpointing every step {every:.0f}, only at the end {none:.0f}: ratio {every/none:.3f}")
PY
