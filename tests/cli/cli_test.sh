#!/usr/bin/env bash
# The command line as a user sees it: every subcommand's error paths and exit codes.
# Usage: cli_test.sh PCMSIM SOURCE_DIR WORK_DIR GROUP   (GROUP: general run run_output
# run_checkpoint sweep report
# compare quantize device energy). Each check runs the built binary and asserts the exit
# code and the message; errors must be one line "pcmsim: error: ..." naming the culprit.
# Exit codes (README "Errors and exit codes"): 0 ok, 1 usage (bad or missing argument),
# 2 bad input or failed run, 3 internal error.
set -u
PCMSIM=$1
SRC=$2
WORK=$3
GROUP=$4
PY=/usr/bin/python3
export OMP_WAIT_POLICY=PASSIVE
rm -rf "$WORK/$GROUP" && mkdir -p "$WORK/$GROUP" && cd "$WORK/$GROUP" || exit 1
fails=0
checks=0

# expect RC PATTERN CMD...: CMD exits with RC and its output (stdout+stderr) matches the
# extended regular expression PATTERN.
expect() {
  local want=$1 pat=$2
  shift 2
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  checks=$((checks + 1))
  if [[ $rc -ne $want ]] || ! grep -qE -- "$pat" <<<"$out"; then
    fails=$((fails + 1))
    echo "FAIL: $*"
    echo "  exit $rc (want $want), wanted /$pat/ in:"
    head -c 2000 <<<"$out" | sed 's/^/  | /'
  else
    echo "ok   [$rc] $*"
  fi
}

# expect_error PATTERN CMD...: exit code 2 and exactly one error line, which matches
# "pcmsim: error: .*PATTERN" (progress lines may precede it).
expect_error() {
  local pat=$1
  shift
  local err rc
  err=$("$@" 2>&1 >/dev/null)
  rc=$?
  checks=$((checks + 1))
  local lines
  lines=$(grep -c "error" <<<"$err")
  if [[ $rc -ne 2 ]] || [[ $lines -ne 1 ]] || ! grep -qE -- "^pcmsim: error: .*$pat" <<<"$err"; then
    fails=$((fails + 1))
    echo "FAIL: $*"
    echo "  exit $rc (want 2), $lines error lines (want 1), wanted /pcmsim: error: .*$pat/ in:"
    head -c 2000 <<<"$err" | sed 's/^/  | /'
  else
    echo "ok   [2] $*"
  fi
}

# check NAME CONDITION...: a plain assertion (CONDITION is a command).
check() {
  local name=$1
  shift
  checks=$((checks + 1))
  if "$@"; then
    echo "ok   $name"
  else
    fails=$((fails + 1))
    echo "FAIL: $name"
  fi
}

D=$SRC/data/mnist
# A small, fast experiment (500 training digits, 200 test digits, 784-16-10, 2 epochs).
write_tiny() {
  cat >"$1" <<TOML
[experiment]
name = "tiny"
seed = 1
threads = 1
[data]
train_images = "$D/train-10k-images-idx3-ubyte.gz"
train_labels = "$D/train-10k-labels-idx1-ubyte.gz"
test_images = "$D/t10k-images-idx3-ubyte.gz"
test_labels = "$D/t10k-labels-idx1-ubyte.gz"
train_limit = 500
test_limit = 200
[model]
layers = [784, 16, 10]
backend = "fp32"
[train]
epochs = 2
batch_size = 50
lr = 0.1
TOML
}

# IDX files from bytes: idx NAME DIM... (payload: i % 251)
idx() {
  local name=$1
  shift
  "$PY" - "$name" "$@" <<'PYEOF'
import struct, sys
name, dims = sys.argv[1], [int(d) for d in sys.argv[2:]]
n = 1
for d in dims: n *= d
open(name, 'wb').write(struct.pack('>BBBB', 0, 0, 8, len(dims)) + b''.join(struct.pack('>I', d) for d in dims)
                       + bytes(i % 251 for i in range(n)))
PYEOF
}


# A checkpoint of an interrupted run: starts a 3-epoch run of OUT (10k digits, 784-256-10,
# ~0.5 s per epoch) and kills it with SIGKILL as soon as OUT.ckpt exists (after epoch 1).
interrupted_run() {
  local out=$1
  shift
  rm -f "$out" "$out.ckpt"
  "$PCMSIM" run -q tiny.toml -o "$out" --set data.train_limit=10000 --set 'model.layers=[784,256,10]' \
    --set train.epochs=3 "$@" >/dev/null 2>&1 &
  local pid=$! waited=0
  while [[ ! -e "$out.ckpt" && $waited -lt 600 ]]; do
    sleep 0.05
    waited=$((waited + 1))
  done
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  test -e "$out.ckpt"
}
BIG=(--set data.train_limit=10000 --set 'model.layers=[784,256,10]' --set train.epochs=3)

# flip FILE DATASET N: inverts N bytes in the middle of DATASET's stored values (found by
# their bytes in the file, whatever the layout: compact, contiguous or chunked).
flip() {
  "$PY" - "$@" <<'PYEOF'
import sys, h5py
path, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with h5py.File(path, 'r') as f:
    raw = f[name][()].tobytes()
data = open(path, 'rb').read()
at = data.find(raw)
assert at >= 0 and len(raw) >= n, "dataset bytes not found"
start = at + len(raw) // 2 - n // 2
with open(path, 'r+b') as f:
    f.seek(start)
    f.write(bytes(x ^ 0xFF for x in data[start:start + n]))
PYEOF
}

group_general() {
  expect 0 "Usage|Subcommands" "$PCMSIM"
  expect 0 "Subcommands" "$PCMSIM" --help
  expect 0 "^pcmsim [0-9]" "$PCMSIM" --version
  expect 1 "frobnicate.*not expected|not expected.*frobnicate" "$PCMSIM" frobnicate
  expect 1 "--nonsense" "$PCMSIM" --nonsense
  for sub in run sweep report compare quantize device fit-device energy; do
    expect 0 "Usage" "$PCMSIM" "$sub" --help
  done
}

group_run() {
  write_tiny tiny.toml
  expect 1 "experiment is required|required" "$PCMSIM" run
  expect 1 "--bogus" "$PCMSIM" run tiny.toml --bogus
  expect 1 "--set" "$PCMSIM" run tiny.toml --set
  expect_error "missing.toml: cannot open config file" "$PCMSIM" run -q missing.toml
  printf 'this is [ not toml\n' >bad.toml
  expect_error "bad.toml:1:.*TOML syntax error" "$PCMSIM" run -q bad.toml
  expect_error "tiny.toml: unknown key 'train.lrate'" "$PCMSIM" run -q tiny.toml --set train.lrate=0.1
  expect_error "train.lr = -1: must be a positive number" "$PCMSIM" run -q tiny.toml --set train.lr=-1
  expect_error "key 'train.epochs': expected an integer, found a string" "$PCMSIM" run -q tiny.toml --set train.epochs=many
  expect_error "--set 'train.lr': expected key=value" "$PCMSIM" run -q tiny.toml --set train.lr
  expect_error "data.train_images = .*nothere.idx: no such file" "$PCMSIM" run -q tiny.toml --set data.train_images=nothere.idx
  expect_error "model.layers" "$PCMSIM" run -q tiny.toml --set 'model.layers=[784]'
  expect_error "backend 'fp64' is not one of" "$PCMSIM" run -q tiny.toml --set model.backend=fp64
  expect_error "784 features|features" "$PCMSIM" run -q tiny.toml --set 'model.layers=[100, 10]'
  idx badlab.idx 10000
  expect_error "" "$PCMSIM" run -q tiny.toml --set data.train_labels=badlab.idx
  # Defect 1: IDX files with 0 images were a SIGFPE.
  idx img0.idx 0 28 28
  idx lab0.idx 0
  expect_error "img0.idx: holds 0 images" "$PCMSIM" run -q tiny.toml --set data.train_images=img0.idx --set data.train_labels=lab0.idx
  expect_error "img0.idx: holds 0 images" "$PCMSIM" run -q tiny.toml --set data.test_images=img0.idx --set data.test_labels=lab0.idx
  # Defect 4: inf is rejected like nan, unless the key documents what inf means.
  expect_error "train.weight_decay = inf: must be a finite number" "$PCMSIM" run -q tiny.toml --set train.weight_decay=inf
  expect_error "train.weight_decay = nan" "$PCMSIM" run -q tiny.toml --set train.weight_decay=nan
  expect_error "programming.noise_scale = inf: must be a finite number" "$PCMSIM" run -q tiny.toml --set model.backend=analog \
    --set analog.cell.programming.noise_scale=inf
  expect_error "inference.times_s = inf" "$PCMSIM" run -q tiny.toml --set 'inference.times_s=[1.0, inf]'
  expect_error "analog.step_time_s = inf" "$PCMSIM" run -q tiny.toml --set model.backend=analog --set analog.step_time_s=inf
  expect_error "drift.nu_mean.log_a = -inf" "$PCMSIM" run -q tiny.toml --set model.backend=analog --set analog.cell.drift.nu_mean.log_a=-inf
  expect_error "fp8.*loss_scale = inf" "$PCMSIM" run -q tiny.toml --set model.backend=fp8 --set fp8.loss_scale=inf
  # Defect 7: labels beyond the network's outputs are blamed on the labels file.
  "$PY" -c "import struct; open('lab12.idx','wb').write(struct.pack('>BBBBI',0,0,8,1,10000)+bytes(i % 12 for i in range(10000)))"
  expect_error "lab12.idx: labels go up to 11 but the network gives 10 outputs" "$PCMSIM" run -q tiny.toml --set data.train_labels=lab12.idx
  "$PY" -c "import struct; open('tlab12.idx','wb').write(struct.pack('>BBBBI',0,0,8,1,10000)+bytes(i % 12 for i in range(10000)))"
  expect_error "tlab12.idx: labels go up to 11" "$PCMSIM" run -q tiny.toml --set data.test_labels=tlab12.idx
  # Defect 7: a directory as the experiment file; memory estimated before allocating.
  mkdir -p somedir
  expect_error "somedir: is a directory, not a config file" "$PCMSIM" run -q somedir
  expect_error "model.layers: the network needs at least [0-9.]+ GiB of memory .* GiB are available" "$PCMSIM" run -q tiny.toml \
    --set 'model.layers=[784,100000000,10]'
  # Defect 7: PCMSIM_THREADS must be a number; gzip data with trailing bytes are refused.
  expect_error "PCMSIM_THREADS='abc': must be a whole number" env PCMSIM_THREADS=abc "$PCMSIM" run -q tiny.toml
  cp "$D/t10k-labels-idx1-ubyte.gz" junk.gz && printf 'JUNKJUNK' >>junk.gz
  expect_error "junk.gz: 8 trailing bytes after the gzip data" "$PCMSIM" run -q tiny.toml --set data.test_labels=junk.gz
  cat "$D/t10k-labels-idx1-ubyte.gz" "$D/t10k-labels-idx1-ubyte.gz" >twice.gz
  expect_error "twice.gz: 10008 trailing bytes after the data" "$PCMSIM" run -q tiny.toml --set data.test_labels=twice.gz
  # Defect 7: provenance records the threads that ran, not the setting.
  expect 0 "tiny: test accuracy" "$PCMSIM" run -q tiny.toml -o threads.h5 --set experiment.threads=10000
  check "provenance threads <= 64 with threads = 10000" "$PY" -c "import h5py,sys; a=h5py.File('threads.h5')['/'].attrs; sys.exit(not (1 <= a['threads'] <= 64 and a['threads_requested'] == 10000))"
  expect 0 "tiny: test accuracy" "$PCMSIM" run -q tiny.toml -o ok.h5
  check "result file written" test -f ok.h5
  check "no checkpoint left after a complete run" test ! -e ok.h5.ckpt
}

# Defect 2: -o refuses what is not a pcmsim result or is an input, before training.
# Defect 8: stale temporaries of a killed run are removed (and said so).
group_run_output() {
  write_tiny tiny.toml
  cp tiny.toml tiny.orig
  expect_error "tiny.toml: is an input of this run" "$PCMSIM" run -q tiny.toml -o tiny.toml
  check "experiment file unchanged" cmp -s tiny.toml tiny.orig
  cp "$D/t10k-labels-idx1-ubyte.gz" labels.gz
  expect_error "labels.gz: is an input of this run" "$PCMSIM" run -q tiny.toml -o labels.gz --set data.test_labels=labels.gz
  ln -sf tiny.toml link.h5
  expect_error "link.h5: is an input of this run" "$PCMSIM" run -q tiny.toml -o link.h5
  mkdir -p outdir
  expect_error "outdir: is a directory" "$PCMSIM" run tiny.toml -o outdir
  check "directory output refused before training (no epoch printed)" bash -c "! '$PCMSIM' run tiny.toml -o outdir 2>&1 | grep -q 'epoch  *1/'"
  echo "my notes" >notes.txt
  expect_error "notes.txt: exists and is not a pcmsim result file" "$PCMSIM" run -q tiny.toml -o notes.txt
  check "foreign file unchanged" grep -q "my notes" notes.txt
  "$PY" -c "import h5py; h5py.File('foreign.h5','w')['x'] = [1, 2]"
  expect_error "foreign.h5: exists and is not a pcmsim result file" "$PCMSIM" run -q tiny.toml -o foreign.h5
  expect_error "notes.txt/out.h5: cannot create its folder" "$PCMSIM" run -q tiny.toml -o notes.txt/out.h5
  if [[ $(id -u) -eq 0 ]]; then
    mknod chardev c 1 7
    expect_error "chardev: is not a regular file" "$PCMSIM" run -q tiny.toml -o chardev
    check "device node kept" test -c chardev
  fi
  expect 0 "tiny: test accuracy" "$PCMSIM" run -q tiny.toml -o res.h5
  expect 0 "tiny: test accuracy" "$PCMSIM" run -q tiny.toml -o res.h5 --set experiment.seed=2
  cp "$SRC/devices/pcm_conventional.toml" dev.toml
  expect_error "dev.toml: is an input of this run" "$PCMSIM" device dev.toml -o dev.toml
  expect_error "notes.txt: exists and is not a pcmsim result file" "$PCMSIM" device "$SRC/devices/pcm_conventional.toml" -o notes.txt
  head -c 3000 res.h5 >res.h5.tmp
  head -c 3000 res.h5 >res.h5.ckpt.tmp
  expect 0 "removed res.h5.tmp, the unfinished temporary of an interrupted run" "$PCMSIM" run tiny.toml -o res.h5
  check "stale res.h5.tmp gone" test ! -e res.h5.tmp
  check "stale res.h5.ckpt.tmp gone" test ! -e res.h5.ckpt.tmp
  head -c 3000 res.h5 >res.h5.ckpt.tmp
  expect_error "unknown key" "$PCMSIM" run tiny.toml -o res.h5 --set train.bogus=1
  expect 0 "removed res.h5.ckpt.tmp" "$PCMSIM" run tiny.toml -o res.h5
}

# Defect 5: an unfinished checkpoint is kept unless --resume or --fresh. Defect 6:
# corrupted bytes are found by checksums. Defect 7: the resume refusal names the key.
group_run_checkpoint() {
  write_tiny tiny.toml
  check "interrupted run leaves a checkpoint" interrupted_run ck.h5
  cp ck.h5.ckpt ck.orig
  expect_error "ck.h5.ckpt: a checkpoint of an unfinished run of this output exists; --resume continues it, --fresh starts over" \
    "$PCMSIM" run -q tiny.toml -o ck.h5 --set train.epochs=1
  check "checkpoint kept" cmp -s ck.h5.ckpt ck.orig
  expect 1 "excludes" "$PCMSIM" run -q tiny.toml -o ck.h5 --resume --fresh
  expect_error "another config \(train.lr was 0.1, now 0.2\); rerun with the same config, or --fresh" \
    "$PCMSIM" run -q tiny.toml -o ck.h5 --resume "${BIG[@]}" --set train.lr=0.2
  check "checkpoint kept after a refused resume" cmp -s ck.h5.ckpt ck.orig
  # Corruption: 64 bytes flipped inside layer_1's weights.
  flip ck.h5.ckpt /model/layer_1/weights 64
  expect_error "ck.h5.ckpt: (dataset )?/model/layer_1/weights \(checksum mismatch: the file is corrupted\)" \
    "$PCMSIM" run -q tiny.toml -o ck.h5 --resume "${BIG[@]}"
  cp ck.orig ck.h5.ckpt
  # A threads-only change resumes (results do not depend on threads) and is bit-identical.
  expect 0 "resuming from ck.h5.ckpt after epoch 1" "$PCMSIM" run tiny.toml -o ck.h5 --resume "${BIG[@]}" \
    --set experiment.threads=2
  expect 0 "tiny: test accuracy" "$PCMSIM" run -q tiny.toml -o straight.h5 "${BIG[@]}"
  check "resumed weights == uninterrupted weights" "$PY" -c "
import h5py, numpy as np, sys
a, b = h5py.File('ck.h5'), h5py.File('straight.h5')
sys.exit(not all(np.array_equal(a[f'/model/layer_{i}/weights'][()], b[f'/model/layer_{i}/weights'][()]) for i in (0, 1)))"
  check "checkpoint removed after the completed run" test ! -e ck.h5.ckpt
  # --fresh starts over and replaces the checkpoint.
  check "interrupted run leaves a checkpoint" interrupted_run ck2.h5
  expect 0 "tiny: test accuracy" "$PCMSIM" run -q tiny.toml -o ck2.h5 --fresh --set train.epochs=1
  check "checkpoint gone after the fresh run completed" test ! -e ck2.h5.ckpt
  # Corrupted results: report, compare and init_from refuse them.
  cp straight.h5 bad.h5
  flip bad.h5 /model/layer_0/weights 64
  expect_error "bad.h5: (dataset )?/model/layer_0/weights \(checksum mismatch" "$PCMSIM" report bad.h5
  expect_error "bad.h5: (dataset )?/model/layer_0/weights \(checksum mismatch" "$PCMSIM" compare straight.h5 bad.h5
  expect_error "bad.h5: (dataset )?/model/layer_0/weights \(checksum mismatch" "$PCMSIM" run -q tiny.toml -o init.h5 \
    --set 'model.layers=[784,256,10]' --set model.init_from=bad.h5 --set train.epochs=0
  expect 0 "tiny: test accuracy" "$PCMSIM" run -q tiny.toml -o init.h5 --set 'model.layers=[784,256,10]' \
    --set model.init_from=straight.h5 --set train.epochs=0
}

group_sweep() {
  write_tiny tiny.toml
  cat >sw.toml <<TOML
[sweep]
name = "sw"
base = "tiny.toml"
[set]
train.epochs = 1
[axes]
train.lr = [0.05, 0.1]
TOML
  expect 1 "required" "$PCMSIM" sweep
  expect_error "nope.toml: cannot open config file" "$PCMSIM" sweep -q nope.toml
  printf '[sweep]\nname = "x"\nbase = "tiny.toml"\n[axes]\ntrain.lr = []\n' >empty_axis.toml
  expect_error "empty_axis.toml" "$PCMSIM" sweep -q empty_axis.toml
  printf '[sweep]\nname = "x"\nbase = "tiny.toml"\nbogus = 1\n[axes]\ntrain.lr = [0.1]\n' >badkey.toml
  expect_error "badkey.toml: unknown key 'sweep.bogus'" "$PCMSIM" sweep -q badkey.toml
  expect_error "unknown key 'train.lrate'" "$PCMSIM" sweep -q sw.toml --set train.lrate=1
  expect_error "train.momentum = 2: must be in \[0, 1\)" "$PCMSIM" sweep -q sw.toml --set train.momentum=2
  expect 1 "max-points" "$PCMSIM" sweep -q sw.toml --max-points=-3
  expect 0 "0  train.lr=0.05" "$PCMSIM" sweep sw.toml --list
  expect 0 "sweep sw: 2/2 points done" "$PCMSIM" sweep -q sw.toml -o table.h5
  expect 0 "2/2 points done \(0 computed now, 2 already there\)" "$PCMSIM" sweep -q sw.toml -o table.h5
  expect 0 "table.h5" "$PCMSIM" report table.h5
  expect 0 "test_accuracy" "$PCMSIM" report table.points/point_1.h5
  expect_error "different config" "$PCMSIM" sweep -q sw.toml -o table.h5 --set train.batch_size=25
  expect_error "sw.toml: is an input of this run" "$PCMSIM" sweep -q sw.toml -o sw.toml
}

group_report() {
  write_tiny tiny.toml
  "$PCMSIM" run -q tiny.toml -o r.h5 >/dev/null 2>&1
  expect 1 "required" "$PCMSIM" report
  expect_error "nofile.h5: no such file" "$PCMSIM" report nofile.h5
  echo "plain text" >text.h5
  expect_error "text.h5: not an HDF5 file" "$PCMSIM" report text.h5
  "$PY" -c "import h5py; h5py.File('foreign.h5','w')['x'] = [1, 2]"
  expect_error "foreign.h5: not a pcmsim file" "$PCMSIM" report foreign.h5
  expect_error "foreign.h5: not a pcmsim file" "$PCMSIM" report --json foreign.h5
  "$PY" -c "
import h5py
f = h5py.File('future.h5', 'w'); f.attrs['schema_version'] = 99; f.attrs['kind'] = 'run'
f.create_group('summary').attrs['test_accuracy'] = 0.5"
  expect_error "future.h5: schema version 99 is not one this pcmsim reads" "$PCMSIM" report future.h5
  expect 0 "test_accuracy" "$PCMSIM" report r.h5
  expect 0 "\"provenance\"" "$PCMSIM" report --json r.h5
}

group_compare() {
  write_tiny tiny.toml
  "$PCMSIM" run -q tiny.toml -o a.h5 >/dev/null 2>&1
  "$PCMSIM" run -q tiny.toml -o b.h5 --set experiment.seed=2 >/dev/null 2>&1
  expect 1 "required" "$PCMSIM" compare
  expect_error "nofile.h5: no such file" "$PCMSIM" compare a.h5 nofile.h5
  echo "plain text" >text.h5
  expect_error "text.h5: not an HDF5 file" "$PCMSIM" compare a.h5 text.h5
  expect_error "format" "$PCMSIM" compare --format yaml a.h5 b.h5
  "$PY" -c "import h5py; h5py.File('foreign.h5','w')['x'] = [1, 2]"
  expect_error "foreign.h5: not a pcmsim file" "$PCMSIM" compare a.h5 foreign.h5
  expect 0 "a.h5" "$PCMSIM" compare a.h5 b.h5
  expect 0 "^file," "$PCMSIM" compare --format csv a.h5 b.h5
}

group_quantize() {
  expect 1 "--format is required" "$PCMSIM" quantize
  expect_error "is not one of|format" "$PCMSIM" quantize --format fp7 </dev/null
  expect 1 "rounding" "$PCMSIM" quantize --format fp16 --rounding up </dev/null
  expect_error "line 2: '2x' is not a number" "$PCMSIM" quantize --format fp16 < <(printf '1\n2x\n')
  expect_error "line 1: '' is not a number" "$PCMSIM" quantize --format fp16 < <(printf '\n')
  expect 0 "^448$" "$PCMSIM" quantize --format e4m3 < <(printf '464\n')
  # Defect 3: correctly rounded parsing for any length (was inf / nan), and no double
  # rounding at halfway points.
  local zeros
  zeros=$(printf '0%.0s' $(seq 400))
  expect 0 "^0$" "$PCMSIM" quantize --format fp32 < <(printf "0.${zeros}1\n")
  expect 0 "^0$" "$PCMSIM" quantize --format e4m3 < <(printf "0.${zeros}1\n")
  expect 0 "^-0$" "$PCMSIM" quantize --format e4m3 < <(printf -- "-0.${zeros}1\n")
  expect 0 "^inf$" "$PCMSIM" quantize --format fp32 < <(printf "1${zeros}\n")
  expect 0 "^1.125$" "$PCMSIM" quantize --format e4m3 < <(printf '1.0625000000000000000000001\n')
  expect 0 "^1$" "$PCMSIM" quantize --format e4m3 < <(printf '1.0625\n')
  expect 0 "^1.0000001192092896$" "$PCMSIM" quantize --format fp32 < <(printf '1.0000000596046447753906250000000001\n')
}

group_device() {
  expect 1 "required" "$PCMSIM" device
  expect 1 "output" "$PCMSIM" device "$SRC/devices/pcm_conventional.toml"
  expect_error "nodevice.toml: cannot open config file" "$PCMSIM" device nodevice.toml -o d.h5
  printf '[range]\ng_max_uS = -5\n' >neg.toml
  expect_error "neg.toml.*range.g_max_uS = -5" "$PCMSIM" device neg.toml -o d.h5
  printf '[range]\ng_maxx_uS = 5\n' >typo.toml
  expect_error "typo.toml: unknown key 'range.g_maxx_uS'" "$PCMSIM" device typo.toml -o d.h5
  expect_error "levels" "$PCMSIM" device "$SRC/devices/pcm_conventional.toml" -o d.h5 --levels 1
  expect 1 "cells" "$PCMSIM" device "$SRC/devices/pcm_conventional.toml" -o d.h5 --cells abc
  expect 0 "" "$PCMSIM" device "$SRC/devices/pcm_conventional.toml" -o d.h5 --cells 2000 --levels 4
  check "device result written" test -f d.h5
  # Traces and the table-device fit (issue 14).
  expect 1 "traces" "$PCMSIM" device "$SRC/devices/pcm_training.toml" --traces t.csv -o x.h5
  expect 0 "readings of 200 devices" "$PCMSIM" device "$SRC/devices/pcm_training.toml" --traces t.csv --devices 200
  expect 0 "fitted fit200 from 200 devices" "$PCMSIM" fit-device t.csv -o fit200.toml --report fit.h5
  check "fitted device written" grep -q 'model = "table"' fit200.toml
  check "fit report written" test -f fit.h5
  expect 0 "readings of 20 devices of fit200" "$PCMSIM" device fit200.toml --traces t2.csv --devices 20
  # Repeated trains: 26 reads + 3 x (RESET + 5 SET) x 2 reads + final RESET x 2 = 64 per device.
  expect 0 "^1280 readings of 20 devices" "$PCMSIM" device "$SRC/devices/pcm_training.toml" --traces t3.csv --devices 20 --trains 3 --set-pulses 5
  check "trains: RESET pulses numbered 1 to 4" test "$(grep -c '^0,pulse,reset,' t3.csv)" = 8 -a "$(grep -c '^0,pulse,reset,4,' t3.csv)" = 2
  check "trains: SET pulse 5 read twice in each of 3 trains" test "$(grep -c '^0,pulse,set,5,' t3.csv)" = 6
  expect_error "set_trains" "$PCMSIM" device "$SRC/devices/pcm_training.toml" --traces t4.csv --devices 20 --trains 0
  expect 0 "model measured again with 1 x 30 SET pulses" "$PCMSIM" fit-device t.csv -o fit200b.toml
  "$PCMSIM" device "$SRC/devices/pcm_training.toml" --traces t5.csv --devices 200 --trains 2 --set-pulses 12 >/dev/null
  expect 0 "model measured again with 2 x 12 SET pulses" "$PCMSIM" fit-device t5.csv -o fit5.toml --report fit5.h5
  expect_error "model.*'table' is not one of" "$PCMSIM" device fit200.toml -o table.h5
  head -n 3 t.csv | sed 's/polarity,//' >nocol.csv
  expect_error "nocol.csv:2: missing column 'polarity'" "$PCMSIM" fit-device nocol.csv -o bad.toml
  { head -n 3 t.csv; echo "0,read,,0,-1,2.5,"; } >negtime.csv
  expect_error "negtime.csv:4: time_s -1 is negative" "$PCMSIM" fit-device negtime.csv -o bad.toml
  { head -n 3 t.csv; echo "0,read,,0,1,abc,"; } >nonnum.csv
  expect_error "nonnum.csv:4: g_uS 'abc' is not a finite number" "$PCMSIM" fit-device nonnum.csv -o bad.toml
  { head -n 2 t.csv; grep '^0,' t.csv; } >one.csv
  expect_error "1 device\\(s\\)" "$PCMSIM" fit-device one.csv -o bad.toml
  { head -n 2 t.csv; grep -E '^[0-4],' t.csv; } >few.csv
  expect_error "too few points per bin" "$PCMSIM" fit-device few.csv -o bad.toml
  # Hostile traces (wave 5). The fit's own errors name the file (before: "the traces hold 0
  # device(s)..." without it).
  head -n 2 t.csv >header_only.csv
  expect_error "header_only.csv: the traces hold 0 device" "$PCMSIM" fit-device header_only.csv -o bad.toml
  # A SET pulse numbered 2147483647 sets the re-measurement protocol (before: 12 GB of rows, then
  # "out of memory" after 90 s).
  { cat t.csv; echo "0,pulse,set,2147483647,0,5,"; } >bigpulse.csv
  expect_error "bigpulse.csv: the largest pulse numbers \(SET 2147483647.*readings, more than" timeout 60 "$PCMSIM" fit-device bigpulse.csv -o bad.toml
  # A spreadsheet export (byte-order mark, quoted fields, CRLF) fits like the plain file.
  { printf '\xEF\xBB\xBF'; grep -v '^#' t.csv | sed 's/\([^,]*\)/"\1"/g; s/$/\r/'; } >sheet.csv
  expect 0 "fitted sheet from 200 devices" "$PCMSIM" fit-device sheet.csv -o sheet.toml
  check "spreadsheet export fits the same device" diff <(grep -Ev '^(#|name|source)' sheet.toml) <(grep -Ev '^(#|name|source)' fit200b.toml)
  check "nothing written on a bad fit" test ! -e bad.toml
  # --set-pulses / --trains / --devices past the reading bound: refused at once (before: rows
  # grew past 4 GB until killed; --devices 1e12 said only "out of memory").
  expect_error "devices = 2: with 1 x 1000000000 SET pulses.*more than" timeout 60 "$PCMSIM" device "$SRC/devices/pcm_training.toml" --traces big.csv --devices 2 --set-pulses 1000000000
  expect_error "readings, more than" timeout 60 "$PCMSIM" device "$SRC/devices/pcm_training.toml" --traces big.csv --devices 2 --trains 2147483647
  expect_error "devices = 1000000000000" timeout 60 "$PCMSIM" device "$SRC/devices/pcm_training.toml" --traces big.csv --devices 1000000000000
  check "no trace file on a refused protocol" test ! -e big.csv
  # A table device whose iteration cap does not fit an int (before: loaded as 1).
  sed 's/^max_iterations = .*/max_iterations = 4294967297/' fit200.toml >iters.toml
  expect_error "iters.toml.*program_verify.max_iterations.*\[1, 100000\]" "$PCMSIM" device iters.toml --traces it.csv --devices 20
}

group_energy() {
  expect 1 "mvm" "$PCMSIM" energy --mvm 0
  expect 1 "adc-bits" "$PCMSIM" energy --adc-bits 99
  expect_error "notable.toml: cannot open config file" "$PCMSIM" energy --digital notable.toml
  expect_error "unknown key" "$PCMSIM" energy --digital-set nosuch.key=1
  expect_error "format" "$PCMSIM" energy --format yaml
  expect 0 "" "$PCMSIM" energy
  expect 0 "^\\{|^\\[" "$PCMSIM" energy --format json
}

"group_$GROUP"
echo "$GROUP: $((checks - fails))/$checks checks passed"
[[ $fails -eq 0 ]]
