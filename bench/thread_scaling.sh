#!/bin/sh
# Thread scaling of the FP32 trainer (issue 19, goal 2) under the default environment and
# under OMP_WAIT_POLICY=PASSIVE (what .ci/run uses), three runs each, on a quiet machine.
# Usage: bench/thread_scaling.sh [build dir] [rounds]
set -eu
build=${1:-build}
rounds=${2:-7}
uptime
for run in 1 2 3; do
  for policy in default PASSIVE; do
    echo "== run $run, OMP_WAIT_POLICY=$policy"
    if [ "$policy" = default ]; then
      env -u OMP_WAIT_POLICY "$build/bench/bench_mlp_speed" --rounds "$rounds" --threads 2
    else
      OMP_WAIT_POLICY=PASSIVE "$build/bench/bench_mlp_speed" --rounds "$rounds" --threads 2
    fi
  done
done
uptime
