#!/usr/bin/env bash
# Runs every fuzz harness for SECONDS (default 60) on a scratch copy of its seed corpus.
# Usage: fuzz/smoke.sh BUILD_DIR [SECONDS]   (BUILD_DIR configured with -DPCMSIM_FUZZ=ON)
# Exits non-zero on the first harness that finds a crash, leak, timeout or failed
# property; the reproducer is left in the current folder (crash-*, timeout-*, oom-*).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=$1
SECONDS_EACH=${2:-60}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for h in fuzz_idx fuzz_experiment fuzz_sweep fuzz_device fuzz_result_h5 fuzz_quantize fuzz_onnx; do
  dict=()
  case $h in fuzz_experiment|fuzz_sweep|fuzz_device) dict=(-dict=fuzz/toml.dict) ;; esac
  mkdir -p "$WORK/$h"
  echo "== fuzz smoke: $h for ${SECONDS_EACH}s"
  "$BUILD/fuzz/$h" "$WORK/$h" "fuzz/corpus/$h" "${dict[@]}" -max_total_time="$SECONDS_EACH" \
    -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 2> "$WORK/$h.log" || {
    tail -n 60 "$WORK/$h.log"
    echo "fuzz smoke: $h FAILED (reproducer in $PWD)"
    exit 1
  }
  grep -E "^#[0-9]+.*(INITED|DONE)|stat::number_of_executed_units|stat::peak_rss" "$WORK/$h.log" || true
done
