#!/usr/bin/env python3
"""SYNTHETIC stand-ins, for testing the notebooks' reading and plotting code only (not
results): files in the layouts that `pcmsim device` and the energy model write, for builds
that do not write them yet. Numbers are made up (smooth curves); nothing here is a measurement.

  make_notebook_inputs.py OUTDIR   -> OUTDIR/synthetic_device.h5, OUTDIR/synthetic_energy.h5
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
    energy_run(os.path.join(out, "synthetic_energy.h5"))


if __name__ == "__main__":
    main()
