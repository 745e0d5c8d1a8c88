"""pcmsim.plots: figures from pcmsim result files, shared by the notebooks and
scripts/plot_results.py (formerly notebooks/pcmsim_plots.py, which now loads this file).

Reads run files (`pcmsim run`), sweep tables (`pcmsim sweep`) and device files (`pcmsim device`)
with h5py; the device figures also take the dict of pcmsim.characterize() (computed live).
Every reader is defensive: a missing group or dataset prints a note and the figure is skipped
(None is returned), so the same code works before and after a backend writes it. This module
does not import the compiled pcmsim core (it runs wherever h5py and matplotlib do).
"""

import contextlib
import os
import re

import h5py
import numpy as np
import matplotlib

if os.environ.get("DISPLAY", "") == "" and "inline" not in matplotlib.get_backend():
    matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def note(message):
    """Prints why a part is skipped (visible in notebooks and on the command line)."""
    print(f"[pcmsim.plots] {message}")


def text(value):
    """HDF5 strings come back as bytes or numpy scalars: turn them into str."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.shape == ():
        return text(value[()])
    return str(value)


def kind(path):
    """The root attribute `kind` of a pcmsim file: run, sweep, device, checkpoint, ..."""
    with h5py.File(path, "r") as f:
        return text(f.attrs.get("kind", "unknown"))


def _get(f, name):
    if isinstance(f, dict):
        return f.get(name)
    return f[name][()] if name in f and isinstance(f[name], h5py.Dataset) else None


_US = 1e6  # S -> uS


def device_layout(result):
    """The dict of pcmsim.characterize() (SI units) laid out like a device file's datasets
    ("drift/mean_uS", ...), so that the device figures read both the same way."""
    us = lambda v: None if v is None else np.asarray(v) * _US  # noqa: E731
    r = result
    return {
        "pulse_response/pulse_number": r.get("pulse_number"), "pulse_response/mean_uS": us(r.get("pulse_mean")),
        "pulse_response/std_uS": us(r.get("pulse_std")), "levels/target_uS": us(r.get("level_targets")),
        "levels/hist_edges_uS": us(r.get("hist_edges")), "levels/histogram": r.get("level_hist"),
        "drift/times_s": r.get("drift_times"), "drift/mean_uS": us(r.get("drift_mean")),
        "drift/std_uS": us(r.get("drift_std")), "precision/times_s": r.get("precision_times"),
        "precision/effective_bits": r.get("effective_bits"),
        "precision/effective_bits_uncompensated": r.get("effective_bits_uncompensated"),
        "_label": r.get("device_name", "device"),
    }


@contextlib.contextmanager
def _open(source):
    """A device source: a file path (h5py) or a pcmsim.characterize() dict (laid out as a file)."""
    if isinstance(source, dict):
        yield source if "_label" in source else device_layout(source)
    else:
        with h5py.File(source, "r") as f:
            yield f


def _label(path):
    if isinstance(path, dict):
        return path.get("_label", path.get("device_name", "device"))
    with h5py.File(path, "r") as f:
        if "summary" in f and "device" in f["summary"].attrs:
            return text(f["summary"].attrs["device"])
        if "experiment" in f.attrs and "config" in f:
            # Analog runs: name the device preset of the resolved config ([analog] device = ...).
            m = re.search(r"^\s*device\s*=\s*['\"]([^'\"]+)['\"]", text(f["config"][()]), re.M)
            if m:
                return f'{text(f.attrs["experiment"])} ({os.path.splitext(os.path.basename(m.group(1)))[0]})'
        for key in ("experiment", "device"):
            if key in f.attrs:
                return text(f.attrs[key])
        if "summary" in f and "device" in f["summary"].attrs:
            return text(f["summary"].attrs["device"])
    return os.path.splitext(os.path.basename(path))[0]


# ------------------------------------------------------------------ runs

def training_curves(path):
    """Loss and train/test accuracy per epoch from /metrics of a run file."""
    with h5py.File(path, "r") as f:
        epoch = _get(f, "metrics/epoch")
        if epoch is None or len(epoch) == 0:
            note(f"{path}: no /metrics (not a run file, or zero epochs): training curves skipped")
            return None
        loss, train, test = (_get(f, "metrics/" + n) for n in ("train_loss", "train_accuracy", "test_accuracy"))
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.8))
    a1.plot(epoch, loss, "o-")
    a1.set_xlabel("epoch")
    a1.set_ylabel("training loss (cross-entropy)")
    a2.plot(epoch, 100 * train, "o-", label="train (during epoch)")
    if test is not None:
        ok = test >= 0  # -1 marks epochs without evaluation
        a2.plot(epoch[ok], 100 * test[ok], "s-", label="test")
    a2.set_xlabel("epoch")
    a2.set_ylabel("accuracy (%)")
    a2.legend()
    fig.suptitle(f"training curves: {_label(path)}")
    fig.tight_layout()
    return fig


def _time_curves(g):
    """(time_s, [(name, mean, std)]) from an accuracy_vs_time group."""
    t = _get(g, "time_s")
    curves = []
    for suffix, name in (("", "compensated"), ("_uncompensated", "uncompensated")):
        mean = _get(g, "mean" + suffix)
        if mean is not None:
            curves.append((name, mean, _get(g, "std" + suffix)))
    return t, curves


def accuracy_vs_time(paths, labels=None):
    """Test accuracy vs time after programming (/summary/accuracy_vs_time) of run files:
    solid = with drift compensation, dashed = without; band = +-1 std over repetitions."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    drawn = 0
    for i, path in enumerate(paths):
        with h5py.File(path, "r") as f:
            if "summary/accuracy_vs_time" not in f:
                note(f"{path}: no /summary/accuracy_vs_time (needs the analog backend): skipped")
                continue
            t, curves = _time_curves(f["summary/accuracy_vs_time"])
        if t is None or not curves:
            note(f"{path}: accuracy_vs_time lacks time_s or mean: skipped")
            continue
        label = labels[i] if labels else _label(path)
        color = f"C{i}"
        for name, mean, std in curves:
            style = "-" if name == "compensated" else "--"
            ax.plot(t, 100 * mean, style, color=color, marker="o", label=f"{label}, {name}")
            if std is not None:
                ax.fill_between(t, 100 * (mean - std), 100 * (mean + std), color=color, alpha=0.15)
        drawn += 1
    if drawn == 0:
        plt.close(fig)
        return None
    ax.set_xscale("log")
    ax.set_xlabel("time after programming (s)")
    ax.set_ylabel("test accuracy (%)")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    return fig


def energy_breakdown(path):
    """Energy per inference by component (/energy), or the /summary energy values as bars."""
    with h5py.File(path, "r") as f:
        comps, per_inf = _get(f, "energy/components"), _get(f, "energy/per_inference")
        by_layer, layers, phases = (_get(f, "energy/" + n) for n in ("by_layer_phase", "layers", "phases"))
        summary = {k: float(v) for k, v in f["summary"].attrs.items()
                   if ("energy" in k or k.endswith("_J")) and np.ndim(v) == 0
                   and np.issubdtype(np.asarray(v).dtype, np.number)} if "summary" in f else {}
    if comps is not None and per_inf is not None and len(comps) == len(per_inf):
        fig, axes = plt.subplots(1, 2 if by_layer is not None else 1, figsize=(11, 4), squeeze=False)
        ax = axes[0][0]
        names = [text(c) for c in comps]
        ax.bar(names, per_inf)
        ax.set_ylabel("energy per inference (J)")
        if np.all(per_inf > 0) and per_inf.max() > 100 * per_inf.min():
            ax.set_yscale("log")  # components spanning decades
        ax.tick_params(axis="x", rotation=45)
        ax.set_title("by component")
        if by_layer is not None and layers is not None and phases is not None:
            ax = axes[0][1]
            bottom = np.zeros(by_layer.shape[0])
            for p, name in enumerate(phases):
                ax.bar([text(n) for n in layers], by_layer[:, p], bottom=bottom, label=text(name))
                bottom += by_layer[:, p]
            ax.set_ylabel("energy of the run (J)")
            ax.set_title("by layer and phase")
            ax.legend(fontsize=8)
        fig.suptitle(f"energy: {_label(path)}")
        fig.tight_layout()
        return fig
    if summary:
        fig, ax = plt.subplots(figsize=(7, 4))
        ax.bar(list(summary), list(summary.values()))
        ax.set_ylabel("J")
        ax.tick_params(axis="x", rotation=30)
        ax.set_title(f"energy (/summary): {_label(path)}")
        fig.tight_layout()
        return fig
    note(f"{path}: no /energy group and no energy values in /summary: energy figure skipped")
    return None


# ------------------------------------------------------------------ sweep tables

def sweep_table(path):
    """The /table group of a sweep file as plain numpy arrays:
    {'point', 'repeat', 'seed', 'axes': {key: {label, value, index, values}}, 'summary': {name: array}}."""
    out = {"axes": {}, "summary": {}}
    with h5py.File(path, "r") as f:
        if "table" not in f:
            raise ValueError(f"{path}: no /table group (not a sweep table)")
        t = f["table"]
        for n in ("point", "repeat", "seed"):
            out[n] = t[n][()]
        for key, g in t["axes"].items() if "axes" in t else []:
            out["axes"][key] = {n: g[n][()] for n in ("label", "value", "index", "values")}
            out["axes"][key]["label"] = [text(v) for v in out["axes"][key]["label"]]
            out["axes"][key]["values"] = [text(v) for v in out["axes"][key]["values"]]

        def collect(g, prefix):
            for name, obj in g.items():
                if isinstance(obj, h5py.Group):
                    collect(obj, prefix + name + "/")
                else:
                    out["summary"][prefix + name] = obj[()]
        if "summary" in t:
            collect(t["summary"], "")
    return out


def _mean_grid(table, value, ykey, xkey):
    ny = len(table["axes"][ykey]["values"])
    nx = len(table["axes"][xkey]["values"])
    total, count = np.zeros((ny, nx)), np.zeros((ny, nx))
    for row, v in enumerate(value):
        if np.isfinite(v):
            i, j = table["axes"][ykey]["index"][row], table["axes"][xkey]["index"][row]
            total[i, j] += v
            count[i, j] += 1
    with np.errstate(invalid="ignore"):
        return total / count, count


def sweep_heatmap(path, value="test_accuracy", x=None, y=None):
    """Mean of a /table/summary column over repeats: heatmap over two axes (y = first axis,
    x = second, other axes averaged), a line with +-1 std for one axis."""
    table = sweep_table(path)
    if value not in table["summary"] or np.ndim(table["summary"][value]) != 1:
        note(f"{path}: no scalar column summary/{value}: heatmap skipped")
        return None
    v = np.asarray(table["summary"][value], dtype=float)
    scale, unit = (100.0, " (%)") if "accuracy" in value else (1.0, "")
    keys = list(table["axes"])
    if not keys or len(v) == 0:
        note(f"{path}: no axes or no finished points: heatmap skipped")
        return None
    if len(keys) == 1:
        key = keys[0]
        ax_info = table["axes"][key]
        n = len(ax_info["values"])
        means = [np.nanmean(v[ax_info["index"] == i]) if np.any(ax_info["index"] == i) else np.nan for i in range(n)]
        stds = [np.nanstd(v[ax_info["index"] == i]) if np.any(ax_info["index"] == i) else np.nan for i in range(n)]
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.errorbar(range(n), scale * np.array(means), yerr=scale * np.array(stds), marker="o", capsize=4)
        ax.set_xticks(range(n))
        ax.set_xticklabels(ax_info["values"], rotation=30)
        ax.set_xlabel(key)
        ax.set_ylabel(value + unit)
        ax.set_title(f"{_label(path)}: mean +- std over repeats")
        fig.tight_layout()
        return fig
    y = y or keys[0]
    x = x or next(k for k in keys if k != y)
    if len(keys) > 2:
        note(f"{path}: {len(keys)} axes; heatmap of {y} x {x}, averaged over {[k for k in keys if k not in (x, y)]}")
    grid, count = _mean_grid(table, v, y, x)
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * grid.shape[1], 1.4 + 0.8 * grid.shape[0]))
    im = ax.imshow(scale * grid, cmap="viridis", aspect="auto", origin="lower")
    fig.colorbar(im, ax=ax, label=value + unit)
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            if count[i, j] > 0:
                ax.text(j, i, f"{scale * grid[i, j]:.4g}", ha="center", va="center", color="w", fontsize=8)
    ax.set_xticks(range(grid.shape[1]))
    ax.set_xticklabels(table["axes"][x]["values"], rotation=30)
    ax.set_yticks(range(grid.shape[0]))
    ax.set_yticklabels(table["axes"][y]["values"])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"{_label(path)}: mean over repeats")
    fig.tight_layout()
    return fig


def sweep_accuracy_vs_time(path, axis=None):
    """accuracy_vs_time columns of a sweep table, one curve per value of `axis` (default: the
    first axis), averaged over the other points with that value."""
    table = sweep_table(path)
    s = table["summary"]
    if "accuracy_vs_time/mean" not in s or "accuracy_vs_time/time_s" not in s:
        note(f"{path}: no accuracy_vs_time columns (needs the analog backend): skipped")
        return None
    keys = list(table["axes"])
    axis = axis or (keys[0] if keys else None)
    groups = {"all": np.ones(len(table["point"]), bool)} if axis is None else {
        lab: table["axes"][axis]["index"] == i for i, lab in enumerate(table["axes"][axis]["values"])}
    fig, ax = plt.subplots(figsize=(7, 4.5))
    t = np.nanmean(s["accuracy_vs_time/time_s"], axis=0)
    for c, (lab, rows) in enumerate(groups.items()):
        if not np.any(rows):
            continue
        for suffix, style in (("", "-"), ("_uncompensated", "--")):
            col = s.get("accuracy_vs_time/mean" + suffix)
            if col is not None:
                ax.plot(t, 100 * np.nanmean(col[rows], axis=0), style, marker="o", color=f"C{c}",
                        label=f"{lab}{' uncompensated' if suffix else ''}")
    ax.set_xscale("log")
    ax.set_xlabel("time after programming (s)")
    ax.set_ylabel("test accuracy (%)")
    ax.legend(fontsize=8, title=axis)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ device files

def device_pulse_response(path):
    """Conductance vs SET pulse number (/pulse_response: pulse_number, mean_uS, std_uS).

    `path`: a device file or the dict of pcmsim.characterize() (likewise for every device_* figure)."""
    with _open(path) as f:
        n, mean, std = (_get(f, "pulse_response/" + k) for k in ("pulse_number", "mean_uS", "std_uS"))
    if n is None or mean is None:
        note(f"{_label(path)}: no /pulse_response/pulse_number and mean_uS: pulse response skipped")
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(n, mean, "o-", ms=3, label="mean")
    if std is not None:
        ax.fill_between(n, mean - std, mean + std, alpha=0.2, label="+-1 std (cell to cell and cycle to cycle)")
    ax.set_xlabel("SET pulse number")
    ax.set_ylabel("conductance (uS)")
    ax.set_title(f"pulse response: {_label(path)}")
    ax.legend()
    fig.tight_layout()
    return fig


def device_levels(path):
    """Programmed level distributions (/levels: hist_edges_uS and histogram, levels x bins)."""
    with _open(path) as f:
        edges, hist, targets = (_get(f, "levels/" + k) for k in ("hist_edges_uS", "histogram", "target_uS"))
    if edges is None or hist is None:
        note(f"{_label(path)}: no /levels/hist_edges_uS and histogram: level distributions skipped")
        return None
    hist = np.atleast_2d(hist)
    if hist.shape[1] != len(edges) - 1 and hist.shape[0] == len(edges) - 1:
        hist = hist.T
    centers = 0.5 * (edges[1:] + edges[:-1])
    fig, ax = plt.subplots(figsize=(7, 4))
    for i, h in enumerate(hist):
        ax.plot(centers, h, "-", color=f"C{i % 10}")
        if targets is not None and i < len(targets):
            ax.axvline(targets[i], color=f"C{i % 10}", ls=":", lw=0.8)
    ax.set_xlabel("conductance (uS)")
    ax.set_ylabel("cells per bin")
    ax.set_title(f"programmed levels (dotted: targets): {_label(path)}")
    fig.tight_layout()
    return fig


def device_drift(path):
    """Conductance of each level vs time after programming (/drift: times_s, mean_uS, std_uS)."""
    with _open(path) as f:
        t, mean, std = (_get(f, "drift/" + k) for k in ("times_s", "mean_uS", "std_uS"))
    if t is None or mean is None:
        note(f"{_label(path)}: no /drift/times_s and mean_uS: drift curves skipped")
        return None
    mean = np.atleast_2d(mean)
    if mean.shape[1] != len(t) and mean.shape[0] == len(t):
        mean = mean.T
        std = None if std is None else np.atleast_2d(std).T
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, m in enumerate(mean):
        ax.plot(t, m, "o-", ms=3, color=f"C{i % 10}")
        if std is not None:
            ax.fill_between(t, m - std[i], m + std[i], color=f"C{i % 10}", alpha=0.15)
    ax.set_xscale("log")
    if np.all(mean > 0):
        ax.set_yscale("log")
    ax.set_xlabel("time after programming (s)")
    ax.set_ylabel("conductance (uS), one curve per level")
    ax.set_title(f"drift: {_label(path)}")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    return fig


def device_precision(path):
    """Effective bits vs time, with and without drift compensation (/precision)."""
    with _open(path) as f:
        t, comp, unc = (_get(f, "precision/" + k) for k in ("times_s", "effective_bits",
                                                            "effective_bits_uncompensated"))
    if t is None or comp is None:
        note(f"{_label(path)}: no /precision/times_s and effective_bits: precision plot skipped")
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(t, comp, "o-", label="compensated")
    if unc is not None:
        ax.plot(t, unc, "s--", label="uncompensated")
    ax.set_xscale("log")
    ax.set_xlabel("time after programming (s)")
    ax.set_ylabel("effective bits")
    ax.set_title(f"precision: {_label(path)}")
    ax.legend()
    fig.tight_layout()
    return fig


def device_compare(paths, labels=None):
    """Drift of the mean conductance of every file's levels on one log-log plot (e.g. projected
    vs conventional)."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    drawn = 0
    for k, path in enumerate(paths):
        with _open(path) as f:
            t, mean = _get(f, "drift/times_s"), _get(f, "drift/mean_uS")
        if t is None or mean is None:
            note(f"{_label(path)}: no /drift: skipped in comparison")
            continue
        mean = np.atleast_2d(mean)
        if mean.shape[1] != len(t):
            mean = mean.T
        for i, m in enumerate(mean):
            ax.plot(t, m, "-", color=f"C{k}", label=(labels[k] if labels else _label(path)) if i == 0 else None)
        drawn += 1
    if drawn == 0:
        plt.close(fig)
        return None
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("time after programming (s)")
    ax.set_ylabel("conductance (uS)")
    ax.legend()
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ all standard figures

def standard_figures(path):
    """[(name, figure)] of every figure that applies to the file (by its kind)."""
    k = kind(path)
    if k == "sweep":
        makers = [("heatmap_test_accuracy", lambda: sweep_heatmap(path)),
                  ("accuracy_vs_time", lambda: sweep_accuracy_vs_time(path))]
    elif k == "device":
        makers = [("pulse_response", lambda: device_pulse_response(path)), ("levels", lambda: device_levels(path)),
                  ("drift", lambda: device_drift(path)), ("precision", lambda: device_precision(path))]
    else:
        makers = [("training_curves", lambda: training_curves(path)),
                  ("accuracy_vs_time", lambda: accuracy_vs_time([path])), ("energy", lambda: energy_breakdown(path))]
    out = []
    for name, make in makers:
        fig = make()
        if fig is not None:
            out.append((name, fig))
    return out


def save_standard_figures(path, outdir, dpi=120):
    """Writes the standard figures of `path` as OUTDIR/<file stem>_<figure>.png; returns the files."""
    os.makedirs(outdir, exist_ok=True)
    stem = os.path.splitext(os.path.basename(path))[0]
    files = []
    for name, fig in standard_figures(path):
        out = os.path.join(outdir, f"{stem}_{name}.png")
        fig.savefig(out, dpi=dpi)
        plt.close(fig)
        files.append(out)
    return files


def files_from_env(variable, defaults):
    """Files named by a comma-separated environment variable (or `defaults`, relative to the
    repository root); missing ones are noted and left out."""
    # The repository root (this file is python/pcmsim/plots.py in a checkout), else PCMSIM_ROOT
    # or the working directory (an installed package).
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.environ.get("PCMSIM_ROOT", "")
    if not root:
        guess = os.path.abspath(os.path.join(here, "..", ".."))
        root = guess if os.path.isdir(os.path.join(guess, "notebooks")) else os.getcwd()
    value = os.environ.get(variable, "")
    names = [n for n in value.split(",") if n] if value else [os.path.join(root, d) for d in defaults]
    found = [n for n in names if os.path.exists(n)]
    for n in names:
        if n not in found:
            note(f"{n} does not exist (set {variable}=file1.h5,file2.h5): skipped")
    return found


def show(fig):
    """Displays a figure in a notebook (no-op for None) and releases it."""
    if fig is None:
        return
    try:
        from IPython.display import display
        display(fig)
    except ImportError:
        pass
    plt.close(fig)
