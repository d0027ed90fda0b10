#!/usr/bin/env bash
# Builds scalelab in release mode and runs the tokenizer benchmark against Hugging Face
# `tokenizers` and `tiktoken` (installed with pip if missing; only this script needs them).
# Usage: scripts/bench_tokenizer.sh [--input TEXT] [--vocab-size V] [--repeats N]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release
python3 -c "import tokenizers, tiktoken" 2>/dev/null || python3 -m pip install -q tokenizers tiktoken
exec python3 scripts/bench_tokenizer.py --scalelab .build/release/scalelab "$@"
