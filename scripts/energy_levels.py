#!/usr/bin/env python3
"""Analog/digital energy ratios of MNIST result files at device and chip level, and the
sensitivity of the chip-level ratios to the calibration inputs, via `pcmsim compare --tables`.

Usage: scripts/energy_levels.py --pcmsim build/pcmsim --fp32 A.h5 --fp8 B.h5 --hwa C.h5
           --hwa-projected D.h5 --mixed E.h5          (prints Markdown tables)
Every number comes from `pcmsim compare ... --format json` (the runs' stored event counts
priced with the named tables); nothing is computed here except the ratios.
"""
import argparse
import json
import subprocess

# (label, extra compare arguments) of the sensitivity table; the first row is the baseline.
CASES = [
    ("chip baseline: HERMES one-phase 9.76 TOPS/W, overhead per ADC conversion", []),
    ("HERMES four-phase 2.48 TOPS/W", ["--analog-set", "chip.calibrate_to=four_phase"]),
    ("one HERMES core 10.5 TOPS/W", ["--analog-set", "chip.calibrate_to=core"]),
    ("analog overhead per in-array MAC", ["--analog-set", "chip.attach=mac"]),
    ("HFP8 anchor -20 % (2.86 TFLOPS/W)", ["--digital-set", "chip.anchor.hfp8_training.tops_per_w=2.864"]),
    ("HFP8 anchor +20 % (4.30 TFLOPS/W)", ["--digital-set", "chip.anchor.hfp8_training.tops_per_w=4.296"]),
    ("7 nm node_scale 0.054 (half)", ["--digital-set", "table.node_scale=0.054"]),
    ("7 nm node_scale 0.216 (double)", ["--digital-set", "table.node_scale=0.216"]),
    ("DRAM 2.6 nJ / 64 bit (Horowitz high end)", ["--digital-set", "memory.dram.pJ_per_64b=2600"]),
    ("ADC survey median 8.4 pJ (absorbed at 8 bits; the runs convert at 9 bits)", ["--analog-set", "adc.preset=survey_median"]),
]


def compare(pcmsim, files, tables, extra=()):
    out = subprocess.run([pcmsim, "compare", *files, "--tables", tables, *extra, "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    return {r["file"]: r for r in json.loads(out)["runs"]}


def num(v):
    return "-" if v is None else f"{v:.4g}"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--pcmsim", default="build/pcmsim")
    for k in ("fp32", "fp8", "hwa", "hwa-projected", "mixed"):
        p.add_argument("--" + k, required=True)
    a = p.parse_args()
    runs = {"fp32": a.fp32, "fp8": a.fp8, "HWA conv.": a.hwa, "HWA proj.": a.hwa_projected, "mixed": a.mixed}
    files = list(runs.values())
    levels = {lv: compare(a.pcmsim, files, lv) for lv in ("device", "chip")}

    print("| run | acc % | J/inf device | J/inf chip | TOPS/W inf device | TOPS/W inf chip "
          "| J/train step device | J/train step chip |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, f in runs.items():
        d, c = levels["device"][f], levels["chip"][f]
        print(f"| {name} | {100 * d['test_accuracy']:.2f} | {num(d['energy_per_inference_J'])} "
              f"| {num(c['energy_per_inference_J'])} | {num(d['tops_per_w_inference'])} "
              f"| {num(c['tops_per_w_inference'])} | {num(d['energy_per_train_step_J'])} "
              f"| {num(c['energy_per_train_step_J'])} |")

    def ratios(r):
        inf = lambda x, y: r[runs[x]]["energy_per_inference_J"] / r[runs[y]]["energy_per_inference_J"]
        step = r[runs["fp8"]]["energy_per_train_step_J"] / r[runs["mixed"]]["energy_per_train_step_J"]
        return [inf("fp32", "HWA conv."), inf("fp8", "HWA conv."), inf("fp8", "HWA proj."), inf("fp8", "mixed"), step]

    head = ("| tables | fp32 / HWA conv. (inf) | fp8 / HWA conv. (inf) | fp8 / HWA proj. (inf) "
            "| fp8 / mixed (inf) | fp8 / mixed (train step) |")
    print()
    print(head)
    print("| --- | --- | --- | --- | --- | --- |")
    for lv in ("device", "chip"):
        print(f"| {lv} | " + " | ".join(f"{x:.3g}" for x in ratios(levels[lv])) + " |")
    print()
    print(head)
    print("| --- | --- | --- | --- | --- | --- |")
    for label, extra in CASES:
        r = compare(a.pcmsim, files, "chip", extra)
        print(f"| {label} | " + " | ".join(f"{x:.3g}" for x in ratios(r)) + " |")


if __name__ == "__main__":
    main()
