#!/usr/bin/env bash
# Report speed on a 100-run study trained for real (5 IsoFLOP budgets × 5 sizes × 4 seeds of tiny
# byte-level models, ~1 min on 2 cores), and the HTML size. Times, in the same run:
#   fit     scalelab fit RUNS --law kaplan --law chinchilla --bootstrap 100
#   render  scalelab report RUNS --fit fit.json   (read, draw, write: the target is < 2 s)
#   full    scalelab report RUNS                  (also fits what the data allow)
# Usage: scripts/bench-report.sh [WORKDIR]   (WORKDIR keeps the study for reruns; default a temp dir)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release ${SCRATCH:+--scratch-path "$SCRATCH"} >/dev/null
BIN="$(swift build -c release ${SCRATCH:+--scratch-path "$SCRATCH"} --show-bin-path)/scalelab"
WORK="${1:-$(mktemp -d)}"
mkdir -p "$WORK"
RUNS="$WORK/runs"
if [ ! -f "$WORK/.done" ]; then
  find Sources -name '*.swift' | sort | xargs cat > "$WORK/corpus.txt"
  cat > "$WORK/base.yaml" <<YAML
name: bench
seed: 1
threads: 1
model: {preset: gpt2, d_model: 16, n_layer: 2, n_head: 2, context: 32}
data: {text: [$WORK/corpus.txt]}
training: {batch_size: 8, steps: 50, lr: 3.0e-3, eval_interval: 10, eval_batches: 4, log_interval: 5,
           checkpoint_interval: 100000, schedule: {kind: cosine, warmup_steps: 5}}
YAML
  n=0
  for seed in 1 2 3 4; do
    for C in 1e9 2e9 4e9 8e9 1.6e10; do
      for d in 8 12 16 24 32; do
        N=$((256*d + 32*d + 2*(12*d*d + 13*d) + 2*d))
        S=$(python3 -c "print(max(4, round($C / (6 * $N * 256))))")
        id="s$seed-c$C-d$d"
        "$BIN" train "$WORK/base.yaml" --set seed=$seed --set model.d_model=$d --set training.steps=$S --set "name=$id" \
          --out "$RUNS/$id" >/dev/null 2>&1 &
        n=$((n+1)); if [ $((n % 2)) = 0 ]; then wait; fi
      done
    done
  done
  wait
  touch "$WORK/.done"
fi
echo "study: $(ls "$RUNS" | wc -l) runs in $RUNS"
t() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); python3 -c "print(f'{$t1 - $t0:.3f}')"; }
FIT=$(t "$BIN" fit "$RUNS" --law kaplan --law chinchilla --bootstrap 100 --out "$WORK/fit.json")
RENDER=$(t "$BIN" report "$RUNS" --fit "$WORK/fit.json" --out "$WORK/render/report.html" --svg-dir "$WORK/render/svg")
FULL=$(t "$BIN" report "$RUNS" --out "$WORK/full/report.html")
SIZE=$(stat -c %s "$WORK/render/report.html")
echo "fit ${FIT} s; report with --fit ${RENDER} s (target < 2 s); report fitting itself ${FULL} s; HTML ${SIZE} bytes"
python3 -c "print(f'render / fit = {$RENDER / $FIT:.2f}; full report / fit = {$FULL / $FIT:.2f}')"
