#!/usr/bin/env bash
# Fixture of the serve tests: tiny trained result files (seconds each), not the demo's.
# usage: make_results.sh PCMSIM SOURCE_DIR OUT_DIR
set -euo pipefail
pcmsim=$1 src=$2 out=$3
mkdir -p "$out"
common=(--set data.train_limit=2000 --set data.test_limit=500 -q)
"$pcmsim" run "$src/experiments/mnist_fp32.toml" -o "$out/fp32.h5" --set train.epochs=2 "${common[@]}"
"$pcmsim" run "$src/experiments/mnist_fp8.toml" -o "$out/fp8.h5" --set train.epochs=1 "${common[@]}"
# HWA training with a short accuracy-vs-time evaluation (one programming draw).
"$pcmsim" run "$src/experiments/mnist_analog_hwa.toml" -o "$out/analog.h5" --set train.epochs=2 \
  --set inference.repeats=1 "${common[@]}" 2>/dev/null
echo "serve fixtures in $out"
