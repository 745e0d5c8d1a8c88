#!/usr/bin/env bash
# Regenerates the seed corpora in fuzz/corpus/ from the shipped files plus tiny IDX files
# and a tiny result/checkpoint pair made by a real run. Usage: fuzz/make_seeds.sh PCMSIM
# (PCMSIM = a built pcmsim binary, e.g. build/pcmsim). Needs /usr/bin/python3 and gzip.
set -euo pipefail
cd "$(dirname "$0")/.."
PCMSIM=$(realpath "$1")
C=fuzz/corpus
mkdir -p $C/{fuzz_idx,fuzz_experiment,fuzz_sweep,fuzz_device,fuzz_result_h5,fuzz_quantize}

# IDX: 8 images of 2x2 bytes, their labels, a gzip copy, rank 1 and rank 4 arrays.
/usr/bin/python3 - "$C/fuzz_idx" <<'PY'
import struct, sys, gzip, os
d = sys.argv[1]
def idx(dims, payload):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", x) for x in dims) + bytes(payload)
open(f"{d}/images_8x2x2.idx", "wb").write(idx([8, 2, 2], range(0, 256, 8)))
open(f"{d}/labels_8.idx", "wb").write(idx([8], [0, 1] * 4))
open(f"{d}/rank4_2x1x2x3.idx", "wb").write(idx([2, 1, 2, 3], range(12)))
open(f"{d}/images_3x4.idx", "wb").write(idx([3, 4], range(12)))
open(f"{d}/images_8x2x2.idx.gz", "wb").write(gzip.compress(idx([8, 2, 2], range(0, 256, 8)), mtime=0))
PY

# Experiments: a few shipped ones, one with --set lines after "%%".
for f in mnist_fp32 mnist_fp8 mnist_analog_hwa mnist_analog_mixed mnist_ptq mnist_fp8_hfp8; do
  cp experiments/$f.toml $C/fuzz_experiment/$f.toml
done
{ cat experiments/mnist_fp32.toml; printf '%%%%\ntrain.epochs=3\nmodel.layers=[784, 32, 10]\nanalog.device=devices/pcm_projected.toml\n'; } \
  > $C/fuzz_experiment/mnist_fp32_with_sets.toml

# Sweeps: the shipped ones, one with --set lines.
for f in experiments/sweep_*.toml; do cp "$f" $C/fuzz_sweep/; done
{ cat experiments/sweep_lr_width.toml; printf '%%%%\ntrain.epochs=1\ndata.train_limit=100\n'; } > $C/fuzz_sweep/sweep_with_sets.toml

# Devices: every preset (energy_*.toml are energy tables, not devices).
for f in devices/pcm_*.toml devices/table_*.toml devices/ideal.toml; do cp "$f" $C/fuzz_device/; done
{ cat devices/pcm_conventional.toml; printf '%%%%\ndrift.scale=0.5\nprogram_verify.max_iterations=3\n'; } \
  > $C/fuzz_device/conventional_with_sets.toml

# Quantize: first line "FORMAT [stochastic] [saturate]", then numbers.
printf 'e4m3\n1.5\n-0.3\n448\n500\nnan\ninf\n0x1p-9\n' > $C/fuzz_quantize/e4m3.txt
printf 'fp16 stochastic\n3.14159\n65504\n1e-8\n-2.5e-5\n' > $C/fuzz_quantize/fp16_stochastic.txt
printf 'e5m2 saturate\n1e6\n-inf\n+0.125\n  7  \n' > $C/fuzz_quantize/e5m2_saturate.txt
printf 'e4m3:bias=9:sat\n0.0001\n1\n1000\n' > $C/fuzz_quantize/bias.txt
printf 'hfp8\n0.1\n' > $C/fuzz_quantize/hfp8.txt
printf 'fp16_169\n-1e30\n' > $C/fuzz_quantize/fp16_169.txt

# Result files: a tiny 4-3-2 run on the 2x2 IDX images (FP32 result), an analog run's
# checkpoint (kept by making the final write fail: OUT.h5.tmp is a directory).
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cp $C/fuzz_idx/images_8x2x2.idx $C/fuzz_idx/labels_8.idx "$T"/
cat > "$T/tiny.toml" <<TOML
[experiment]
name = "tiny"
[data]
train_images = "images_8x2x2.idx"
train_labels = "labels_8.idx"
test_images = "images_8x2x2.idx"
test_labels = "labels_8.idx"
[model]
layers = [4, 3, 2]
[train]
epochs = 2
batch_size = 4
TOML
"$PCMSIM" run "$T/tiny.toml" -o "$T/fp32.h5" -q
# The structured mode's templates, and 'H' + bytes seeds of the raw mode (PCMSIM_FUZZ_H5_RAW=1).
mkdir -p fuzz/templates $C/fuzz_result_h5_raw
cp "$T/fp32.h5" fuzz/templates/fp32_result.h5
{ printf H; cat "$T/fp32.h5"; } > $C/fuzz_result_h5_raw/raw_fp32_result.h5
mkdir "$T/analog.h5.tmp"
"$PCMSIM" run "$T/tiny.toml" -o "$T/analog.h5" -q --set model.backend=analog --set analog.training=sgd \
  --set analog.device="$PWD/devices/pcm_training.toml" --set inference.repeats=1 --set inference.times_s=[1.0] \
  || true
cp "$T/analog.h5.ckpt" fuzz/templates/analog_checkpoint.h5
{ printf H; cat "$T/analog.h5.ckpt"; } > $C/fuzz_result_h5_raw/raw_analog_checkpoint.h5
/usr/bin/python3 -c "
import random
r = random.Random(12)
for i in range(4):
    open('$C/fuzz_result_h5/structured_%d.bin' % i, 'wb').write(bytes([ord('S')] + [r.randrange(256) for _ in range(400)]))
r = random.Random(5)
for t in range(3):  # the last byte picks the template (0 empty, 1 FP32 result, 2 analog checkpoint)
    for k in range(2):
        open('$C/fuzz_result_h5/template%d_%d.bin' % (t, k), 'wb').write(bytes([ord('S')] + [r.randrange(256) for _ in range(300)] + [t]))
"
ls -l $C/*
