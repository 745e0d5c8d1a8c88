#!/bin/bash
# `pcmsim energy --tables` and `pcmsim compare --tables/--baseline` end to end through the built
# binary: the level in the header, the printed calibration, repricing a run's stored counts
# with its own tables reproducing its stored figures, and one clear line for a bad choice.
# Usage: energy_cli_test.sh PCMSIM SOURCE_DIR WORK_DIR
set -euo pipefail
PCMSIM=$1; SRC=$2; WORK=$3
PY=/usr/bin/python3
rm -rf "$WORK"; mkdir -p "$WORK"; cd "$WORK"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$PCMSIM" energy --tables chip > chip.txt
grep -q "^energy level: chip (tables devices/energy_digital_7nm.toml" chip.txt || fail "no chip level header"
grep -q "calibrated to: chip.anchor.one_phase = 9.76 TOPS/W on a 256x256 MVM" chip.txt || fail "no HERMES derivation"
grep -q "calibrated to: chip.anchor.hfp8_training = 3.58 TOPS/W" chip.txt || fail "no HFP8 derivation"
# The anchor table: the model's pricing of each anchor workload next to the measured figure.
grep -Eq "^chip.anchor.one_phase +256x256 MVM, 8-bit in, 8-bit out +9.76 +9.76 +" chip.txt || fail "anchor table"
"$PCMSIM" energy > device.txt
grep -q "^energy level: device" device.txt || fail "no device level header"
grep -q "calibrated to" device.txt && fail "device level prints a calibration"
# Outputs go to files before grep -q: under pipefail an early grep exit would SIGPIPE pcmsim.
"$PCMSIM" energy --tables chip --analog-set chip.calibrate_to=four_phase > four_phase.txt
grep -q "chip.anchor.four_phase = 2.48" four_phase.txt \
  || fail "--analog-set does not reach the chip section"
# Both levels side by side in one table, whichever level is chosen.
for f in chip.txt device.txt; do
  grep -q "^MVM *device" $f && grep -q "^MVM *chip" $f || fail "$f lacks the side-by-side MVM rows"
done

# A tiny run; its stored counts priced with its own (device) tables give its stored figures.
"$PCMSIM" run "$SRC/experiments/mnist_fp32.toml" -o run.h5 -q --set train.epochs=1 --set data.train_limit=640 \
  --set data.test_limit=200 --set "model.layers=[784, 16, 10]"
"$PCMSIM" compare run.h5 --format json > stored.json
"$PCMSIM" compare run.h5 --tables device --format json > device.json
"$PCMSIM" compare run.h5 --tables chip --baseline run.h5 --format json > chip.json
"$PCMSIM" compare run.h5 --tables chip > compare_chip.txt
head -1 compare_chip.txt | grep -q "^energy level: chip (priced again" || fail "compare header"
$PY - <<'PYEOF'
import json
s, d, c = (json.load(open(f)) for f in ("stored.json", "device.json", "chip.json"))
rs, rd, rc = s["runs"][0], d["runs"][0], c["runs"][0]
for k in ("energy_per_inference_J", "energy_per_train_step_J", "tops_per_w_inference"):
    assert abs(rs[k] - rd[k]) <= 1e-12 * abs(rs[k]), (k, rs[k], rd[k])
assert rs["level"] == "device" and rc["level"] == "chip", (rs["level"], rc["level"])
assert rc["energy_per_inference_J"] != rs["energy_per_inference_J"]
assert rc["baseline_over_this_inference"] == 1.0, rc
assert any("calibrated to: chip.anchor.hfp8_training" in a for a in rc["assumptions"])
PYEOF

# A bad choice: one line naming it, non-zero exit.
if "$PCMSIM" compare run.h5 --tables silicon 2> err.txt; then fail "bad --tables accepted"; fi
grep -q "silicon" err.txt || fail "error does not name the choice: $(cat err.txt)"
echo "energy CLI ok"
