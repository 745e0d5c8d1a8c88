#!/usr/bin/env python3
"""SYNTHETIC stand-ins, for testing the notebooks' reading and plotting code only (not
results): files in the layouts that `pcmsim device` and analog runs write, for builds that
do not have them yet. Numbers are made up (smooth curves); nothing here is a measurement.

  make_notebook_inputs.py OUTDIR   -> OUTDIR/synthetic_device.h5, synthetic_drift_{a,b}.h5,
                                      synthetic_drift_sweep.h5,
                                      synthetic_energy.h5
"""
import os
import sys

import h5py
import numpy as np


def device(path, nu):
    t = np.logspace(0, 6, 7)
    levels = np.linspace(2.0, 20.0, 4)
    edges = np.linspace(0.0, 25.0, 51)
    centers = 0.5 * (edges[1:] + edges[:-1])
    with h5py.File(path, "w") as f:
        f.attrs["kind"] = "device"
        f.attrs["note"] = "synthetic test input, not a simulation result"
        f["pulse_response/pulse_number"] = np.arange(1, 21, dtype=float)
        f["pulse_response/mean_uS"] = 20 * (1 - np.exp(-np.arange(1, 21) / 6.0))
        f["pulse_response/std_uS"] = np.full(20, 0.8)
        f["levels/target_uS"] = levels
        f["levels/hist_edges_uS"] = edges
        f["levels/histogram"] = np.exp(-0.5 * ((centers[None, :] - levels[:, None]) / 0.7) ** 2) * 100
        f["drift/times_s"] = t
        f["drift/mean_uS"] = levels[:, None] * (t[None, :] / t[0]) ** (-nu)
        f["drift/std_uS"] = 0.05 * f["drift/mean_uS"][()]
        f["precision/times_s"] = t
        f["precision/effective_bits"] = 4.0 - 0.05 * np.log10(t)
        f["precision/effective_bits_uncompensated"] = 4.0 - 0.4 * np.log10(t)
        f.create_group("summary").attrs["device"] = f"synthetic nu={nu}"


def drift_run(path, name, loss):
    t = np.logspace(0, 7, 8)
    with h5py.File(path, "w") as f:
        f.attrs["kind"] = "run"
        f.attrs["experiment"] = name
        s = f.create_group("summary")
        s.attrs["test_accuracy"] = 0.95
        s.attrs["note"] = "synthetic test input, not a simulation result"
        g = s.create_group("accuracy_vs_time")
        g["time_s"] = t
        g["mean"] = 0.95 - loss * np.log10(t) / 10
        g["std"] = np.full(len(t), 0.005)
        g["mean_uncompensated"] = 0.95 - 5 * loss * np.log10(t) / 10
        g["std_uncompensated"] = np.full(len(t), 0.01)


def drift_sweep(path):
    t = np.logspace(0, 7, 8)
    labels = ["../devices/pcm_conventional.toml", "../devices/pcm_projected.toml"]
    index = np.array([0, 0, 1, 1])
    loss = np.array([0.1, 0.1, 0.01, 0.01])
    with h5py.File(path, "w") as f:
        f.attrs["kind"] = "sweep"
        f.attrs["note"] = "synthetic test input, not a simulation result"
        tb = f.create_group("table")
        tb["point"] = np.arange(4)
        tb["repeat"] = np.array([0, 1, 0, 1])
        tb["seed"] = np.array([1, 2, 1, 2])
        a = tb.create_group("axes/analog.device")
        a["label"] = np.array([labels[i] for i in index], dtype=object)
        a["value"] = np.full(4, np.nan)
        a["index"] = index
        a["values"] = np.array(labels, dtype=object)
        tb["summary/test_accuracy"] = 0.95 - loss
        tb["summary/accuracy_vs_time/time_s"] = np.tile(t, (4, 1))
        tb["summary/accuracy_vs_time/mean"] = 0.95 - loss[:, None] * np.log10(t)[None, :] / 10
        tb["summary/accuracy_vs_time/mean_uncompensated"] = 0.95 - 5 * loss[:, None] * np.log10(t)[None, :] / 10


def energy_run(path):
    with h5py.File(path, "w") as f:
        f.attrs["kind"] = "run"
        f.attrs["experiment"] = "synthetic_energy"
        e = f.create_group("energy")
        e.attrs["note"] = "synthetic test input, not a simulation result"
        e["components"] = np.array(["mvm", "adc", "dac", "digital", "memory"], dtype=object)
        e["per_inference"] = np.array([1e-9, 4e-9, 1e-9, 2e-9, 3e-9])
        e["layers"] = np.array(["layer_0", "layer_1"], dtype=object)
        e["phases"] = np.array(["forward", "backward", "update"], dtype=object)
        e["by_layer_phase"] = np.array([[3e-3, 5e-3, 1e-3], [1e-3, 2e-3, 5e-4]])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    device(os.path.join(out, "synthetic_device.h5"), 0.05)
    drift_run(os.path.join(out, "synthetic_drift_a.h5"), "synthetic_conventional", 0.1)
    drift_run(os.path.join(out, "synthetic_drift_b.h5"), "synthetic_projected", 0.01)
    drift_sweep(os.path.join(out, "synthetic_drift_sweep.h5"))
    energy_run(os.path.join(out, "synthetic_energy.h5"))


if __name__ == "__main__":
    main()
