#!/usr/bin/env python3
"""Overhead of the Python bindings against the same calls made from C++, measured in one
process with the two sides interleaved (round by round), so machine load hits both alike.

  PYTHONPATH=build/python /usr/bin/python3 bench/python_overhead.py [--rounds 15] [--calls 5]

1. A 512 x 512 tile forward on a batch of 64 (default periphery, conventional device):
   Python `tile.forward(x)` vs `crossbar::Tile::Forward(x, y)` in a C++ loop on the same tile
   (pcmsim._bench.tile_forward_seconds). Target: Python / C++ <= 1.15.
2. Quantising 10M float32 values to e4m3 (nearest): `pcmsim.quantize(x, "e4m3")` (new output
   array), `pcmsim.quantize(x, "e4m3", out=y)` (preallocated) vs numerics::RoundArray from C++
   into a preallocated buffer (pcmsim._bench.quantize_seconds). Target: Python rate >= 80 % of C++.
Prints per-call medians and spreads (min .. max over rounds, and the interquartile range) and
the ratios of the medians. Machine load shows in the spreads; ratios are what to read.
"""
import argparse
import statistics
import time

import numpy as np

import pcmsim
from pcmsim import _pcmsim


def summary(samples):
    s = sorted(samples)
    q = statistics.quantiles(s, n=4) if len(s) >= 4 else [s[0], statistics.median(s), s[-1]]
    return statistics.median(s), s[0], s[-1], q[0], q[2]


def line(label, samples, unit=1e3, unit_name="ms"):
    med, lo, hi, q1, q3 = summary(samples)
    print(f"  {label:<42} median {med * unit:9.3f} {unit_name}   min..max {lo * unit:.3f}..{hi * unit:.3f}   "
          f"IQR {q1 * unit:.3f}..{q3 * unit:.3f}   (n={len(samples)})")
    return med


def python_calls(fn, calls):
    out = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def bench_tile(rounds, calls):
    rng = np.random.default_rng(1)
    tile = pcmsim.Tile(512, 512, pcmsim.Device.load(), seed=1)
    tile.program(rng.uniform(-1, 1, (512, 512)).astype(np.float32))
    x = rng.uniform(-1, 1, (64, 512)).astype(np.float32)
    tile.forward(x)  # warm-up (caches, workspace)
    cpp, py = [], []
    for r in range(rounds):
        if r % 2 == 0:  # alternate which side goes first
            cpp += _pcmsim._bench.tile_forward_seconds(tile, x, calls)
            py += python_calls(lambda: tile.forward(x), calls)
        else:
            py += python_calls(lambda: tile.forward(x), calls)
            cpp += _pcmsim._bench.tile_forward_seconds(tile, x, calls)
    print(f"tile forward 512x512, batch 64 ({pcmsim.threads()} threads), {rounds} rounds x {calls} calls per side")
    c = line("C++  Tile::Forward", cpp)
    p = line("Python tile.forward(x)", py)
    print(f"  ratio Python / C++ (medians): {p / c:.3f}   (target <= 1.15)")
    return p / c


def bench_quantize(rounds, calls, n):
    x = np.random.default_rng(2).standard_normal(n).astype(np.float32) * 50
    y = np.empty_like(x)
    pcmsim.quantize(x, "e4m3", out=y)  # warm-up
    cpp, py_new, py_out = [], [], []
    for r in range(rounds):
        order = [0, 1, 2] if r % 2 == 0 else [2, 1, 0]
        for k in order:
            if k == 0:
                cpp += _pcmsim._bench.quantize_seconds(x, "e4m3", calls)
            elif k == 1:
                py_new += python_calls(lambda: pcmsim.quantize(x, "e4m3"), calls)
            else:
                py_out += python_calls(lambda: pcmsim.quantize(x, "e4m3", out=y), calls)
    print(f"quantize {n / 1e6:.0f}M float32 -> e4m3 (nearest), {rounds} rounds x {calls} calls per side")
    c = line("C++  RoundArray (preallocated output)", cpp)
    pn = line("Python quantize(x, 'e4m3') (new array)", py_new)
    po = line("Python quantize(x, 'e4m3', out=y)", py_out)
    print(f"  rates: C++ {n / c / 1e6:.0f} M/s, Python new array {n / pn / 1e6:.0f} M/s "
          f"({100 * c / pn:.0f} % of C++), Python out= {n / po / 1e6:.0f} M/s ({100 * c / po:.0f} % of C++)"
          "   (target >= 80 %)")
    return c / pn, c / po


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--calls", type=int, default=5)
    ap.add_argument("--n", type=int, default=10_000_000, help="values quantised per call")
    a = ap.parse_args()
    bench_tile(a.rounds, a.calls)
    bench_quantize(a.rounds, max(1, a.calls // 2), a.n)


if __name__ == "__main__":
    main()
