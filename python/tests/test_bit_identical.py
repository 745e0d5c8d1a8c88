"""The bindings give the same bits as the C++ API (python_reference.cpp) and the CLI for the
same seeds: quantize, device reads, tile MVMs, a short experiment."""
import os
import subprocess

import numpy as np
import pytest

import pcmsim
from conftest import src


def ref(directory, name, dtype):
    return np.fromfile(os.path.join(directory, name + ".bin"), dtype=dtype)


def same_bits(a, b):
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    assert a.dtype == b.dtype and a.size == b.size
    assert a.tobytes() == b.tobytes(), f"first difference at {np.flatnonzero(a.view(np.uint8) != b.view(np.uint8))[:1]}"


def test_quantize_nearest_and_stochastic(reference):
    x = ref(reference, "quantize_x", np.float32)
    same_bits(pcmsim.quantize(x, "e4m3"), ref(reference, "quantize_e4m3_nearest", np.float32))
    same_bits(pcmsim.quantize(x, "e5m2", rounding="stochastic", seed=7),
              ref(reference, "quantize_e5m2_stochastic_seed7", np.float32))
    # In place and through a FloatFormat object: the same bits.
    y = x.copy()
    assert pcmsim.quantize(y, pcmsim.FloatFormat("e4m3"), out=y) is y
    same_bits(y, ref(reference, "quantize_e4m3_nearest", np.float32))
    # A Fortran-ordered 2-D view of the same values rounds element by element identically.
    xf = np.asfortranarray(x[:10000].reshape(100, 100))
    yf = pcmsim.quantize(xf, "e4m3")
    assert yf.flags.f_contiguous
    same_bits(yf.ravel(order="K"), pcmsim.quantize(np.ascontiguousarray(xf.ravel(order="K")), "e4m3"))


def test_stochastic_rounding_depends_on_seed_only():
    x = np.linspace(-3, 3, 4097, dtype=np.float32)
    a = pcmsim.quantize(x, "e5m2", rounding="stochastic", seed=11)
    b = pcmsim.quantize(x, "e5m2", rounding="stochastic", seed=11)
    c = pcmsim.quantize(x, "e5m2", rounding="stochastic", seed=12)
    same_bits(a, b)
    assert not np.array_equal(a, c)


def test_device_reads(reference):
    dev = pcmsim.Device.load(src("devices", "pcm_projected.toml"), overrides={"projection": {"ratio": 4.0}})
    targets = ref(reference, "device_targets", np.float64)
    cells = pcmsim.CellArray(dev, 1000, seed=3, stream_index=0)
    assert cells.program(targets, t=0.0) is None
    same_bits(cells.read(3600.0), ref(reference, "device_read_1h_noisy", np.float64))
    same_bits(cells.read(86400.0, noise=False), ref(reference, "device_read_1d_clean", np.float64))
    verify = pcmsim.CellArray(dev, 1000, seed=4, stream_index=1)
    stats = verify.program(targets, t=0.0, method="verify")
    same_bits(verify.read(60.0), ref(reference, "device_verify_read_60s", np.float64))
    expected = ref(reference, "device_verify_stats", np.float64)
    assert (stats["pulses"], stats["converged"]) == (int(expected[0]), int(expected[1]))
    assert stats["rms_error_S"] == expected[2]


def test_tile_mvm(reference):
    rows, cols, batch = 64, 96, 16
    w = ref(reference, "tile_w", np.float32).reshape(rows, cols)
    x = ref(reference, "tile_x", np.float32).reshape(batch, cols)
    tile = pcmsim.Tile(rows, cols, pcmsim.Device.load(),
                       options={"forward": {"adc_bits": 8}, "drift_compensation": "global"}, seed=5, tile_index=2)
    tile.program(w, t=0.0)
    same_bits(tile.forward(x), ref(reference, "tile_y_t0", np.float32))
    tile.read_at(86400.0)
    y = tile.forward(x)
    same_bits(y, ref(reference, "tile_y_1d", np.float32))
    same_bits(tile.backward(y), ref(reference, "tile_dx_1d", np.float32))
    wr = tile.weights()
    assert wr.shape == (rows, cols) and wr.flags.f_contiguous
    same_bits(wr.ravel(order="F"), ref(reference, "tile_weights_1d", np.float32))


TINY = {"train": {"epochs": 2}, "data": {"train_limit": 600, "test_limit": 300}, "model": {"layers": [784, 24, 10]}}
TINY_SET = ["train.epochs=2", "data.train_limit=600", "data.test_limit=300", "model.layers=[784, 24, 10]"]


@pytest.mark.parametrize("experiment,extra,extra_set", [
    ("mnist_fp32.toml", {}, []),
    ("mnist_analog_mixed.toml", {"train": {"epochs": 1}, "inference": {"repeats": 2, "times_s": [1.0, 86400.0]}},
     ["train.epochs=1", "inference.repeats=2", "inference.times_s=[1.0, 86400.0]"]),
])
def test_short_experiment_matches_cli(cli, workdir, experiment, extra, extra_set):
    name = os.path.splitext(experiment)[0]
    cli_out = os.path.join(workdir, f"cli_{name}.h5")
    py_out = os.path.join(workdir, f"py_{name}.h5")
    for f in (cli_out, py_out):
        if os.path.exists(f):
            os.remove(f)
    args = [cli, "run", src("experiments", experiment), "-o", cli_out, "-q"]
    for s in TINY_SET + extra_set:
        args += ["--set", s]
    subprocess.run(args, check=True)
    overrides = {k: dict(v) for k, v in TINY.items()}
    for k, v in extra.items():
        overrides.setdefault(k, {}).update(v)
    seen = []
    res = pcmsim.run(src("experiments", experiment), overrides=overrides, output=py_out, progress=seen.append)
    c = pcmsim.open(cli_out)
    assert res.kind == c.kind == "run"
    assert [m["epoch"] for m in seen] == list(range(1, len(seen) + 1)) and seen
    for a, b in zip(res.weights, c.weights):
        same_bits(a, b)
    assert len(res.weights) == len(c.weights) == 2
    for key in ("epoch", "lr", "train_loss", "train_accuracy", "test_accuracy"):
        same_bits(res.metrics[key], c.metrics[key])
    assert res.summary["test_accuracy"] == c.summary["test_accuracy"]
    if "analog" in experiment:
        avt, cavt = res.accuracy_vs_time, c.accuracy_vs_time
        assert list(avt["time_s"]) == [1.0, 86400.0]
        same_bits(avt["mean"], cavt["mean"])
        same_bits(avt["accuracy_compensated"], cavt["accuracy_compensated"])
    assert res.config == c.config
