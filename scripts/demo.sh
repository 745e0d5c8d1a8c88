#!/usr/bin/env bash
# The live demo: trains what it needs (if the result files are missing), then serves the page.
#   scripts/demo.sh [--quick] [--port 8080] [--host 127.0.0.1]
# After scripts/setup.sh and a Release build in build/. Open the printed address.
# --quick trains 5 epochs instead of 30 (a few minutes less; lower accuracies).
# Results go to results/demo/ (delete them to retrain).
set -euo pipefail
cd "$(dirname "$0")/.."
pcmsim=${PCMSIM:-build/pcmsim}
epochs=30
serve_args=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) epochs=5; shift ;;
    --port|--host) serve_args+=("$1" "$2"); shift 2 ;;
    *) echo "usage: scripts/demo.sh [--quick] [--port N] [--host ADDR]" >&2; exit 1 ;;
  esac
done
if [[ ! -x $pcmsim ]]; then
  echo "demo: $pcmsim not found; build first: cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j" >&2
  exit 1
fi
out=results/demo
mkdir -p "$out"
# name | experiment | extra settings
runs=(
  "mnist_fp32|experiments/mnist_fp32.toml|"
  "mnist_fp8|experiments/mnist_fp8.toml|"
  "mnist_analog_conventional|experiments/mnist_analog_hwa.toml|analog.device=$PWD/devices/pcm_conventional.toml"
  "mnist_analog_projected|experiments/mnist_analog_hwa.toml|analog.device=$PWD/devices/pcm_projected.toml"
)
files=()
for r in "${runs[@]}"; do
  IFS='|' read -r name exp extra <<<"$r"
  file=$out/$name.h5
  files+=("$file")
  [[ -f $file ]] && continue
  args=(--set train.epochs=$epochs)
  [[ -n $extra ]] && args+=(--set "$extra")
  echo "demo: training $name ($exp, $epochs epochs) -> $file"
  "$pcmsim" run "$exp" -o "$file" "${args[@]}"
done
exec "$pcmsim" serve "${files[@]}" "${serve_args[@]}"
