#!/bin/bash
# pcmsim's LeNet-5 epoch (build/bench/bench_cnn_speed) and PyTorch's (torch_lenet.py), same
# net, data, batch and 2 threads, run alternately in one session so that both see the same
# machine load; once with OMP_WAIT_POLICY unset and once with PASSIVE. Prints `uptime`
# before every run. Usage (from the repository root, after a Release build):
#   bash bench/peers/lenet_interleaved.sh [EPOCHS=3] [ROUNDS=2]
set -u
epochs=${1:-3}
rounds=${2:-2}
root=$(cd "$(dirname "$0")/../.." && pwd)
for policy in default PASSIVE; do
  for r in $(seq 1 "$rounds"); do
    for who in pcmsim torch; do
      echo "== $who, OMP_WAIT_POLICY=$policy, round $r; load: $(uptime | sed 's/.*load average: //')"
      if [ "$policy" = PASSIVE ]; then export OMP_WAIT_POLICY=PASSIVE; else unset OMP_WAIT_POLICY; fi
      if [ "$who" = pcmsim ]; then
        "$root/build/bench/bench_cnn_speed" --epochs "$epochs" --threads 2 | grep -E "LeNet|threads"
      else
        /usr/bin/python3 "$root/bench/peers/torch_lenet.py" --epochs "$epochs" --threads 2 | grep -E "PyTorch|torch "
      fi
    done
  done
done
