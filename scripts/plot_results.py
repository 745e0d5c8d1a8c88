#!/usr/bin/env python3
"""Writes the standard figures of pcmsim result files as PNG (for users without Jupyter).

  python3 scripts/plot_results.py results/mnist_fp32.h5 -o results/figures
  python3 scripts/plot_results.py results/sweep_lr_width.h5 results/device_projected.h5 -o figs

Run files give training curves, accuracy vs time after programming (analog runs) and energy
bars; sweep tables a heatmap of test accuracy over the first two axes (and accuracy vs time
per axis value); device files pulse response, level distributions, drift and precision.
Parts a file lacks are skipped with a note. Needs h5py and matplotlib
(Debian: apt-get install python3-h5py python3-matplotlib).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "notebooks"))
import pcmsim_plots  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", help="pcmsim HDF5 files (run, sweep table or device)")
    parser.add_argument("-o", "--output", default="figures", help="folder for the PNG files (default: figures)")
    parser.add_argument("--dpi", type=int, default=120)
    args = parser.parse_args()
    written = 0
    for path in args.files:
        if not os.path.exists(path):
            print(f"plot_results: {path}: no such file", file=sys.stderr)
            return 2
        for f in pcmsim_plots.save_standard_figures(path, args.output, dpi=args.dpi):
            print(f)
            written += 1
    if written == 0:
        print("plot_results: no figure applied to these files", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
