"""Properties of the bindings beyond bit-identity: layout (no copies), oracles, callbacks, docs."""
import numpy as np
import pytest

import pcmsim
from conftest import src


def test_batch_layout_and_ownership():
    t = pcmsim.Tile(16, 32, pcmsim.Device.load(), seed=2)
    t.program(np.random.default_rng(0).uniform(-1, 1, (16, 32)).astype(np.float32))
    x = np.random.default_rng(1).uniform(-1, 1, (8, 32)).astype(np.float32)
    y = t.forward(x)
    assert y.shape == (8, 16) and y.dtype == np.float32 and y.flags.c_contiguous
    assert not y.flags.owndata  # a view of the C++ matrix handed over without a copy
    d = t.backward(y)
    assert d.shape == (8, 32)
    # The same samples one by one give the same columns (samples are independent columns)? Noise
    # differs per call, so compare against the noise-free weights instead:
    w = t.weights()
    assert w.shape == (16, 32) and w.flags.f_contiguous


def test_ideal_limit_equals_matmul():
    """Noise-free device and periphery, infinite converters: the tile computes W x (to float32)."""
    dev = pcmsim.Device.load(overrides={"drift.scale": 0.0, "read.noise_scale": 0.0,
                                        "programming.noise_scale": 0.0})
    opts = {"forward": {"dac_bits": 0, "adc_bits": 0, "output_bound": 0.0, "output_noise": 0.0,
                        "bound_management": "none"},
            "read_noise": False, "drift_compensation": "none"}
    rng = np.random.default_rng(3)
    w = rng.uniform(-1, 1, (24, 40)).astype(np.float32)
    x = rng.uniform(-1, 1, (5, 40)).astype(np.float32)
    t = pcmsim.Tile(24, 40, dev, options=opts)
    t.program(w)
    np.testing.assert_allclose(t.forward(x), x @ w.T, rtol=1e-4, atol=1e-4)


def test_lowp_gemm_fp32_and_orders():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((7, 9)).astype(np.float32)
    b = rng.standard_normal((9, 5)).astype(np.float32)
    c = pcmsim.lowp_gemm(a, b)
    np.testing.assert_allclose(c, a @ b, rtol=1e-5, atol=1e-5)
    c8 = pcmsim.lowp_gemm(a, b, a_format="e4m3", b_format="e4m3", accum_format="fp16", chunk=4)
    c8f = pcmsim.lowp_gemm(np.asfortranarray(a), np.asfortranarray(b), a_format="e4m3", b_format="e4m3",
                           accum_format="fp16", chunk=4)
    assert c8.tobytes() == c8f.tobytes()
    ct = pcmsim.lowp_gemm(np.ascontiguousarray(a.T), b, transpose_a=True)
    np.testing.assert_array_equal(ct, c)


def test_quantize_matches_format_grid():
    f = pcmsim.FloatFormat("e4m3")
    assert (f.exponent_bits, f.mantissa_bits, f.max_finite) == (4, 3, 448.0)
    x = np.array([0.0, 1.0, 1.0625, 1.1875, 500.0, -3.3], dtype=np.float32)
    # 1.0625 ties to 1.0 (even), 1.1875 ties to 1.25; 500 overflows to NaN (no saturation).
    y = pcmsim.quantize(x, "e4m3")
    assert list(y[:4]) == [0.0, 1.0, 1.0, 1.25] and np.isnan(y[4]) and y[5] == -3.25
    assert pcmsim.quantize(x[4:5], "e4m3:sat")[0] == 448.0
    assert "e4m3" in pcmsim.format_names()


def test_device_statistics_and_counters():
    dev = pcmsim.Device.load(src("devices", "pcm_conventional.toml"))
    cells = pcmsim.CellArray(dev, 2000, seed=9)
    cells.program(np.full(2000, 10e-6), t=0.0)
    g0 = cells.programmed()
    g_day = cells.expected(86400.0)
    # Drift law with noise off: G(t) = G0 ((t + t0)/t0)^-nu for each cell.
    np.testing.assert_allclose(g_day, g0 * ((86400.0 + dev.t0) / dev.t0) ** (-cells.nu), rtol=1e-12)
    sigma = cells.read_noise_std(86400.0)
    reads = cells.read(86400.0)
    z = (reads - g_day) / sigma
    assert abs(z.mean()) < 0.1 and 0.9 < z.std() < 1.1
    assert cells.counters["cell_reads"] == 2000
    assert cells.counters["program_pulses"] == 2000
    assert cells.max_drift_rate() == pytest.approx(cells.nu.max())
    cells.apply_reset(np.array([0, 1], dtype=np.int64), t=86400.0)
    assert cells.counters["reset_pulses"] == 2


def test_tile_events_and_energy():
    t = pcmsim.Tile(32, 32, pcmsim.Device.load(), seed=1)
    t.program(np.full((32, 32), 0.5, dtype=np.float32))
    before = t.events["forward_mvms"]
    t.forward(np.ones((10, 32), dtype=np.float32))
    ev = t.events
    assert ev["forward_mvms"] - before >= 10 and ev["adc_forward"][1] == 9
    e = t.energy()
    assert e["total_J"] > 0 and "inference" in e["phases"]


def test_analog_matrix_splits_into_tiles():
    a = pcmsim.AnalogMatrix(70, 50, pcmsim.Device.load(), options={"max_rows": 32, "max_cols": 32}, seed=1)
    assert (a.row_blocks, a.col_blocks) == (3, 2)
    a.program(np.random.default_rng(0).uniform(-1, 1, (70, 50)).astype(np.float32))
    assert a.forward(np.zeros((3, 50), dtype=np.float32)).shape == (3, 70)


def test_characterize_live():
    r = pcmsim.characterize(pcmsim.Device.load(src("devices", "pcm_projected.toml")), cells=500, levels=3,
                            pulses=5, pulse_cells=100, drift_times=[1.0, 3600.0], precision_times=[1.0, 86400.0])
    assert r["drift_mean"].shape == (3, 2) and len(r["effective_bits"]) == 2
    assert r["device_name"] == "pcm_projected"


def test_progress_callback_error_stops_run(workdir):
    def boom(m):
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        pcmsim.run(src("experiments", "mnist_fp32.toml"), output=f"{workdir}/boom.h5", progress=boom,
                   overrides={"train": {"epochs": 2}, "data": {"train_limit": 200, "test_limit": 100},
                              "model": {"layers": [784, 8, 10]}})


def test_run_from_dict(workdir):
    data = src("data", "mnist")
    cfg = {"experiment": {"name": "dict_run", "seed": 3},
           "data": {"train_images": f"{data}/train-10k-images-idx3-ubyte.gz",
                    "train_labels": f"{data}/train-10k-labels-idx1-ubyte.gz",
                    "test_images": f"{data}/t10k-images-idx3-ubyte.gz",
                    "test_labels": f"{data}/t10k-labels-idx1-ubyte.gz", "train_limit": 500, "test_limit": 200},
           "model": {"layers": [784, 16, 10]}, "train": {"epochs": 1, "batch_size": 50, "lr": 0.1}}
    res = pcmsim.run(cfg, progress=None, output=f"{workdir}/dict_run.h5")
    assert res.summary["experiment"] == "dict_run" and 0.3 < res.summary["test_accuracy"] <= 1.0
    assert res.weights[0].shape == (16, 784)
    rows = pcmsim.compare([res.path])
    assert rows[0]["experiment"] == "dict_run" and rows[0]["test_accuracy"] == res.summary["test_accuracy"]


def test_docstrings():
    assert "Layout contract" in pcmsim.Tile.__doc__
    assert "stochastic" in pcmsim.quantize.__doc__
    for name in pcmsim.__all__:
        assert getattr(pcmsim, name).__doc__, name


def test_open_sweep_table(cli, workdir):
    import subprocess
    sweep = f"{workdir}/tiny_sweep.toml"
    with open(sweep, "w") as f:
        f.write(f'''[sweep]
name = "py_sweep"
base = "{src("experiments", "mnist_fp32.toml")}"
[set]
train.epochs = 1
data.train_limit = 300
data.test_limit = 200
model.layers = [784, 8, 10]
[axes]
train.lr = [0.05, 0.2]
''')
    table = f"{workdir}/tiny_sweep.h5"
    subprocess.run([cli, "sweep", sweep, "-o", table, "-q"], check=True)
    t = pcmsim.open(table)
    assert t.kind == "sweep"
    tab = t.table
    assert list(tab["point"]) == [0.0, 1.0] and tab["rows"] == 2
    acc = tab["summary"]["test_accuracy"]
    assert len(acc) == 2 and all(0 < a <= 1 for a in acc)
    runs = t.points
    assert [r.summary["test_accuracy"] for r in runs] == list(acc)
    assert [r.summary["experiment"] for r in runs] == ["mnist_fp32", "mnist_fp32"]


def test_long_calls_release_the_gil():
    """While one thread is inside a long C++ call, another thread keeps running Python: the
    largest gap between its loop iterations during the call stays far below the call's
    duration (it would equal the duration if the call held the GIL). The call grows until it
    lasts over 0.3 s, whatever the machine's speed and load."""
    import threading
    import time

    dev = pcmsim.Device.load()
    done = threading.Event()
    span = {}

    def long_call():
        cells = 5000
        while True:
            t0 = time.perf_counter()
            pcmsim.characterize(dev, cells=cells, levels=2, pulses=10, pulse_cells=1000)
            span["start"], span["end"] = t0, time.perf_counter()
            if span["end"] - t0 > 0.3 or cells >= 1280000:
                break
            cells *= 2
        done.set()

    worker = threading.Thread(target=long_call)
    stamps = [time.perf_counter()]
    worker.start()
    while not done.is_set():
        time.sleep(0.001)  # the sleep gives the GIL up; re-acquiring it needs the worker to have released it
        stamps.append(time.perf_counter())
    worker.join()
    seconds = span["end"] - span["start"]
    inside = [t for t in stamps if span["start"] <= t <= span["end"]]
    before = [t for t in stamps if t < span["start"]][-1:]
    after = [t for t in stamps if t > span["end"]][:1]
    window = before + inside + after
    gap = max(b - a for a, b in zip(window, window[1:]))
    assert seconds > 0.2, "the call is too short to tell"
    assert gap < 0.5 * seconds, f"largest gap {gap:.3f} s of a {seconds:.3f} s call"
