#!/usr/bin/env bash
# Coverage-guided fuzzing of every reader of files a user may be handed (libFuzzer through
# `swiftc -sanitize=fuzzer`): the YAML config with --set, safetensors checkpoints, tokenizer.json,
# vocab.json + merges.txt, token files with their sidecar, fit CSVs and fit JSON files.
#
#   scripts/fuzz.sh [--seconds N] [--ci] [--keep-going] [--jobs-log FILE] [TARGET ...]
#
# Builds the library stages with coverage instrumentation into .build/fuzz (a separate build
# directory, so the normal build is untouched), links one fuzzer per target from Fuzz/Targets, and
# runs each in turn for N seconds (default 60) on its committed seeds (Fuzz/Seeds/<target>) plus a
# working corpus (.build/fuzz/corpus/<target>, kept between runs, not committed).
# A crash leaves its input in .build/fuzz/crashes/ and makes the script exit non-zero; reproduce it
# with .build/fuzz/bin/fuzz-<target> <file>.
#
# --ci: 12 seconds per target on the committed seeds only (7 targets: under 2 minutes of fuzzing,
# after the build). --keep-going: continue past crashes (libFuzzer's fork mode) to collect every
# distinct crash of a long run; the exit status still reports them.
set -euo pipefail
cd "$(dirname "$0")/.."

all=(config safetensors tokenizer_json vocab_merges token_file csv fit_json)
seconds=60; ci=0; keep=0; log=""; targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --ci) ci=1; seconds=12; shift ;;
    --jobs-log) log="$2"; shift 2 ;;
    --keep-going) keep=1; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

build=.build/fuzz
# One target at a time: a product build would also link the argument parser's plugin tools, which
# cannot take libFuzzer's main.
flags=(-c release --build-path "$build" -Xswiftc -sanitize=fuzzer)
for stage in Training Fitting; do swift build "${flags[@]}" --target "$stage" >&2; done
release=$(swift build "${flags[@]}" --show-bin-path)
# The objects of the reader stages and what they depend on (Package.swift), nothing else.
modules=(Support SIMDKernels Kernels Tokenizer Corpora Shards Model Training Fitting Yams CYaml HeapModule InternalCollectionsUtilities)
objects=()
for m in "${modules[@]}"; do mapfile -t -O "${#objects[@]}" objects < <(find "$release/$m.build" -name '*.o' | sort); done
modulemaps=()
for m in Sources/CBLAS/module.modulemap "$release/SIMDKernels.build/module.modulemap" $(find "$build/checkouts" .build/checkouts -name module.modulemap -path '*CYaml*' 2>/dev/null | head -1); do
  modulemaps+=(-Xcc "-fmodule-map-file=$m")
done
cpu=(); [ "$(uname -m)" = x86_64 ] && cpu=(-target-cpu haswell)

mkdir -p "$build/bin" "$build/crashes"
status=0
for t in "${targets[@]}"; do
  src=(Fuzz/Targets/FuzzInput.swift "Fuzz/Targets/$t.swift")
  case "$t" in tokenizer_json|vocab_merges) src+=(Fuzz/Targets/TokenizerExercise.swift) ;; esac
  bin="$build/bin/fuzz-$t"
  if [ ! -x "$bin" ] || [ -n "$(find "${src[@]}" "$release/Modules" -newer "$bin" 2>/dev/null | head -1)" ]; then
    swiftc -O -parse-as-library -sanitize=fuzzer "${cpu[@]}" -module-name "Fuzz_$t" -I "$release/Modules" \
      "${modulemaps[@]}" "${src[@]}" "${objects[@]}" -lopenblas -lstdc++ -o "$bin" >&2
  fi
  seeds="Fuzz/Seeds/$t"
  # libFuzzer writes every new input into the FIRST corpus directory, so a writable working corpus
  # always comes first and the committed seeds are only read: kept between runs normally, fresh
  # (and thrown away) in --ci mode.
  if [ "$ci" = 0 ]; then work="$build/corpus/$t"; else work="$build/ci-corpus/$t"; rm -rf "$work"; fi
  mkdir -p "$work"
  corpus=("$work")
  # The largest seed bounds what libFuzzer generates; checkpoints need room for their tensors.
  max_len=$(find "$seeds" -type f -printf '%s\n' | sort -n | tail -1)
  max_len=$(( max_len < 4096 ? 4096 : max_len * 2 ))
  extra=()
  [ "$keep" = 0 ] || extra=(-fork=1 -ignore_crashes=1)
  echo "fuzz $t: ${seconds}s" >&2
  start=$(date +%s); before=$status; status=0
  # The Swift runtime's backtracer would take the crash signal from libFuzzer, which writes the input.
  if ! SWIFT_BACKTRACE=enable=no "$bin" -max_total_time="$seconds" -max_len="$max_len" -timeout=20 -rss_limit_mb=3072 \
      -print_final_stats=1 -artifact_prefix="$build/crashes/$t-" "${extra[@]}" "${corpus[@]}" "$seeds" 2> "$build/$t.log"; then
    status=1
    echo "fuzz $t: CRASH (see $build/$t.log and $build/crashes/)" >&2
    grep -E "Fatal error|ERROR: libFuzzer|Test unit written" "$build/$t.log" | head -5 >&2 || true
  elif grep -q "Test unit written\|crash-" "$build/$t.log"; then
    status=1; echo "fuzz $t: crashes recorded (see $build/$t.log and $build/crashes/)" >&2
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$build/$t.log" | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -o 'cov: [0-9]*' "$build/$t.log" | tail -1 || true)
  line="$(date -u +%FT%TZ) $t $(( $(date +%s) - start ))s runs=$runs $cov status=$([ $status = 0 ] && echo ok || echo crash)"
  [ "$status" = 0 ] && status=$before
  echo "$line" >&2
  [ -z "$log" ] || echo "$line" >> "$log"
done
exit $status
