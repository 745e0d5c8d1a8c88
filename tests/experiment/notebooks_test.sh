#!/usr/bin/env bash
# Executes every notebook in notebooks/ headless, and scripts/plot_results.py, on small
# result files made here with the real pcmsim binary (a 2-epoch run, a 4-point FP32 sweep, a
# 6-point analog drift sweep, a device file when `pcmsim device` is registered) and, for
# parts this build does not write yet (device without the command, /energy), synthetic
# stand-ins clearly marked as such (make_notebook_inputs.py).
# Usage: notebooks_test.sh PCMSIM_BINARY SOURCE_DIR WORK_DIR. Exit 77 (skip) without Jupyter/h5py.
set -euo pipefail
PCMSIM=$1 SRC=$2 WORK=$3
PY=/usr/bin/python3  # the Debian python with python3-h5py etc.; a pyenv python3 may shadow it on PATH
[[ -x $PY ]] || PY=python3
if ! "$PY" -c "import h5py, matplotlib, nbformat, nbconvert, ipykernel" 2>/dev/null; then
  echo "SKIP: notebooks not executed: $PY lacks h5py/matplotlib/nbconvert/ipykernel"
  echo "      (apt-get install python3-h5py python3-matplotlib jupyter-nbconvert python3-ipykernel)"
  exit 77
fi
rm -rf "$WORK" && mkdir -p "$WORK"
cd "$WORK"

"$PCMSIM" run "$SRC/experiments/mnist_fp32.toml" -o run.h5 -q --set train.epochs=2 --set data.train_limit=1000 \
  --set data.test_limit=500 --set 'model.layers=[784, 32, 10]'
cat > tiny_sweep.toml <<TOML
[sweep]
name = "notebook_test"
base = "$SRC/experiments/mnist_fp32.toml"
[set]
train.epochs = 1
data.train_limit = 1000
data.test_limit = 500
[axes]
model.layers = [[784, 16, 10], [784, 32, 10]]
train.lr = [0.05, 0.2]
TOML
"$PCMSIM" sweep tiny_sweep.toml -o sweep.h5 -q

# Analog runs over drift time (tiny): both device presets, accuracy_vs_time in every point.
"$PCMSIM" sweep "$SRC/experiments/sweep_drift_projected_vs_conventional.toml" -o drift.h5 -q --set train.epochs=1 \
  --set data.train_limit=1000 --set data.test_limit=500 --set inference.repeats=2 --set 'model.layers=[784, 32, 10]'

"$PY" "$SRC/tests/experiment/make_notebook_inputs.py" synthetic
DEVICES=$WORK/synthetic/synthetic_device.h5
if "$PCMSIM" --help | grep -qE "^ +device( |$)"; then
  "$PCMSIM" device "$SRC/devices/pcm_projected.toml" -o device_projected.h5 --cells 2000 --levels 4 --pulses 20
  DEVICES=$WORK/device_projected.h5,$DEVICES
else
  echo "note: this pcmsim has no 'device' command: device notebook runs on synthetic input only"
fi

# Scalar-multiplication study (small), both presets side by side, with the ablation.
"$PCMSIM" device "$SRC/devices/pcm_conventional.toml" --with "$SRC/devices/pcm_projected.toml" --study multiply --ablate \
  --multiply-cells 1000 -o multiply.h5 > multiply.log
export PCMSIM_MULTIPLY=$WORK/multiply.h5

# Table-device fit of the shipped (synthetic) example traces, with its report.
"$PCMSIM" fit-device "$SRC/data/traces/pcm_training_synthetic.csv" -o fitted_table.toml --report fit.h5 > fit.log
export PCMSIM_FIT_REPORT=$WORK/fit.h5 PCMSIM_TRACES=$SRC/data/traces/pcm_training_synthetic.csv

export PCMSIM_NOTEBOOKS=$SRC/notebooks MPLBACKEND=Agg PYDEVD_DISABLE_FILE_VALIDATION=1
export PCMSIM_RESULT=$WORK/run.h5 PCMSIM_SWEEP=$WORK/sweep.h5 PCMSIM_ENERGY_RUNS=$WORK/run.h5,$WORK/synthetic/synthetic_energy.h5
export PCMSIM_DEVICE=$DEVICES
export PCMSIM_DRIFT_RUNS=$WORK/drift.points/point_0.h5,$WORK/drift.points/point_3.h5,$WORK/run.h5
export PCMSIM_DRIFT_SWEEP=$WORK/drift.h5
# Notebooks 02 and 07 drive the simulator through the Python module (PCMSIM_PYTHONPATH, set by
# ctest to build/python); without it (PCMSIM_PYTHON=OFF) they are skipped with a note.
export PCMSIM_PYTHONPATH=${PCMSIM_PYTHONPATH:-$(dirname "$PCMSIM")/python}
HAVE_MODULE=0
PYTHONPATH=$PCMSIM_PYTHONPATH "$PY" -c "import pcmsim" 2>/dev/null && HAVE_MODULE=1
mkdir -p executed
for nb in "$SRC"/notebooks/*.ipynb; do
  if [[ $HAVE_MODULE == 0 ]] && grep -q '"import pcmsim\\n"' "$nb"; then
    echo "== SKIP $(basename "$nb"): needs the pcmsim Python module (not built: PCMSIM_PYTHON=OFF)"
    continue
  fi
  echo "== executing $(basename "$nb")"
  "$PY" -m nbconvert --to notebook --execute --ExecutePreprocessor.timeout=120 --output-dir executed "$nb"
  # Every figure the notebook was given data for must be in the output.
  "$PY" - "executed/$(basename "$nb")" <<'PYCHECK'
import json, sys
nb = json.load(open(sys.argv[1]))
images = sum(1 for c in nb["cells"] for o in c.get("outputs", []) if "image/png" in o.get("data", {}))
errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
print(f"{sys.argv[1]}: {images} figures")
sys.exit(1 if errors or images == 0 else 0)
PYCHECK
done

echo "== scripts/plot_results.py"
"$PY" "$SRC/scripts/plot_results.py" run.h5 sweep.h5 drift.h5 synthetic/synthetic_device.h5 synthetic/synthetic_energy.h5 -o figures
for f in run_training_curves sweep_heatmap_test_accuracy drift_accuracy_vs_time synthetic_device_drift synthetic_energy_energy; do
  [[ -s figures/$f.png ]] || { echo "missing figures/$f.png"; exit 1; }
done
echo "notebooks and plot_results.py: OK"
