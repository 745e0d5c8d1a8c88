"""Experiments from Python: run a TOML file or a dict, open any pcmsim result file.

    res = pcmsim.run("experiments/mnist_analog_mixed.toml",
                     overrides={"train": {"epochs": 1}, "data": {"train_limit": 2000}})
    res.summary                 # the /summary group as a dict (what `pcmsim report --json` prints)
    res.metrics["test_accuracy"]            # per-epoch numpy arrays
    res.accuracy_vs_time["mean"]            # analog runs: accuracy at times after programming
    res.weights[0]                          # layer 0 weights, float64 (out, in)
    rows = pcmsim.compare([res.path, "results/mnist_fp32.h5"])

A run goes through the same code as `pcmsim run` (experiment::RunExperiment): the same config
and seed give the same result file contents (weights, metrics except timings) as the CLI.
"""
import os
import sys
import tempfile

import numpy as np

from . import _pcmsim

_builtin_open = open


def load_experiment(config, overrides=None):
    """Loads and validates an experiment (a TOML path or a dict) with overrides, without running
    it. Returns {"name", "seed", "config_text", "source"}. ConfigError / IoError name the key."""
    return _pcmsim._load_experiment(_fspath(config), overrides)


def _fspath(config):
    return os.fspath(config) if isinstance(config, os.PathLike) else config


def _print_epoch(m):
    test = f"{100 * m['test_accuracy']:6.2f}%" if m["test_accuracy"] >= 0 else "   -   "
    print(f"epoch {m['epoch']:3d}/{m['epochs']}  loss {m['train_loss']:.4f}  train {100 * m['train_accuracy']:6.2f}%  "
          f"test {test}  lr {m['lr']:.4g}  {m['samples_per_second']:.0f} samples/s", file=sys.stderr)


def run(config, overrides=None, output=None, progress="stderr", checkpoint=False, resume=False, fresh=True):
    """Trains and evaluates one experiment; returns its ResultFile.

    config: path to an experiment TOML file, or a dict with the same structure (nested dicts =
    tables; relative paths are relative to the working directory). overrides: a dict (nested or
    dotted keys) or a list of "key=value" strings, applied like `pcmsim run --set`. output: the
    result file (default: a new temporary directory / <name>.h5). progress: "stderr" (one line
    per epoch), None (quiet) or a callable receiving a dict per epoch (epoch, epochs, lr,
    train_loss, train_accuracy, test_accuracy, seconds, samples_per_second). checkpoint: write
    OUTPUT.ckpt after every epoch (resume=True continues from it). The GIL is released while it
    trains; Ctrl-C stops the run after the current batch (KeyboardInterrupt).
    """
    config = _fspath(config)
    if output is None:
        name = load_experiment(config, overrides)["name"]
        output = os.path.join(tempfile.mkdtemp(prefix="pcmsim_run_"), f"{name}.h5")
    callback = _print_epoch if progress == "stderr" else progress
    if callback is not None and not callable(callback):
        raise TypeError("progress: expected 'stderr', None or a callable")
    _pcmsim._run(config, overrides, os.fspath(output), callback, progress is not None, checkpoint, resume,
                 fresh and not resume)
    return ResultFile(output)


def _arrays(obj):
    """Lists of numbers (from the JSON view of a group) as numpy arrays, recursively."""
    if isinstance(obj, dict):
        return {k: _arrays(v) for k, v in obj.items()}
    if isinstance(obj, list) and obj and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in obj):
        return np.asarray(obj, dtype=np.float64)
    if isinstance(obj, list) and obj and all(isinstance(x, list) for x in obj):
        try:
            return np.asarray(obj, dtype=np.float64)
        except (TypeError, ValueError):
            return obj
    return obj


class ResultFile:
    """Any pcmsim HDF5 file (run result, sweep table, device file, checkpoint), read on demand.

    kind: the file's kind ("run", "sweep", "device", ...); provenance: root attributes (git
    commit, build, seed, ...); summary: the /summary group as a dict (numeric lists as numpy
    arrays); metrics: per-epoch arrays; accuracy_vs_time: analog runs' evaluation over time;
    weights: every layer's weight matrix; table: a sweep's /table (points: its point files);
    config: the resolved TOML.
    read(name) reads any dataset, group(name) any group, children(name) lists a group.
    IoError if the file is not a pcmsim file or uses a newer schema.
    """

    def __init__(self, path, kind=""):
        self.path = os.fspath(path)
        self.kind = _pcmsim._check_file(self.path, kind)

    def __repr__(self):
        return f"pcmsim.ResultFile({self.path!r}, kind={self.kind!r})"

    def exists(self, name):
        """True if the group or dataset `name` ("/summary", "/model/layer_0/weights") exists."""
        return _pcmsim._h5_exists(self.path, name)

    def read(self, name):
        """One dataset: numbers -> numpy float64 (1-D, or 2-D in Fortran order), strings -> str/list."""
        return _pcmsim._h5_read(self.path, name)

    def group(self, name):
        """A group and everything below it as nested dicts (attributes and datasets)."""
        return _arrays(_pcmsim._h5_json(self.path, name))

    def children(self, name="/"):
        """Names of the members of a group."""
        return _pcmsim._h5_children(self.path, name)

    def attrs(self, name="/"):
        """Attributes of a group or dataset as a dict."""
        return _pcmsim._h5_attrs(self.path, name)

    def verify(self):
        """Reads every dataset so HDF5 checks each checksum; IoError naming the dataset on corruption."""
        _pcmsim._h5_verify(self.path)

    @property
    def provenance(self):
        return self.attrs("/")

    @property
    def summary(self):
        return self.group("/summary") if self.exists("/summary") else {}

    @property
    def config(self):
        return self.read("/config") if self.exists("/config") else ""

    @property
    def metrics(self):
        """Per-epoch numpy arrays: epoch, lr, train_loss, train_accuracy, test_accuracy (-1 = not
        evaluated), seconds, samples_per_second."""
        return _pcmsim._metrics(self.path)

    @property
    def accuracy_vs_time(self):
        """Analog runs: {time_s, mean, std, mean_uncompensated, std_uncompensated} (fractions),
        plus the per-repeat matrices of /evaluation when present; {} otherwise."""
        g = "/summary/accuracy_vs_time"
        if not self.exists(g):
            return {}
        out = {k: self.read(f"{g}/{k}") for k in self.children(g)}
        if self.exists("/evaluation"):
            for k in self.children("/evaluation"):
                if k != "time_s":
                    out[k] = self.read(f"/evaluation/{k}")
        return out

    @property
    def weights(self):
        """Weight matrix of every weighted layer, in order (float64, (out, in))."""
        if not self.exists("/model"):
            return []
        layers = sorted((c for c in self.children("/model") if c.startswith("layer_")), key=lambda c: int(c[6:]))
        return [self.read(f"/model/{c}/weights") for c in layers if self.exists(f"/model/{c}/weights")]

    @property
    def points(self):
        """A sweep table's point result files (ResultFile each, in table row order): /table/file
        inside the folder named by the root attribute points_dir, relative to the table."""
        if self.kind != "sweep" or not self.exists("/table/file"):
            return []
        files = self.read("/table/file")
        files = [files] if isinstance(files, str) else files
        folder = os.path.join(os.path.dirname(os.path.abspath(self.path)), self.provenance.get("points_dir", ""))
        return [ResultFile(os.path.join(folder, f)) for f in files]

    @property
    def table(self):
        """A sweep table's /table group (per-point columns) as a dict of arrays; {} otherwise."""
        return self.group("/table") if self.exists("/table") else {}


def open(path, kind=""):  # noqa: A001
    """Opens any pcmsim result file (run, sweep table, device, checkpoint) as a ResultFile."""
    return ResultFile(path, kind)


_COMPARE_KEYS = [("experiment", "experiment"), ("backend", "backend"), ("test_accuracy", "test_accuracy"),
                 ("energy_per_inference_J", "energy_per_inference_J"),
                 ("energy_per_train_step_J", "energy_per_train_step_J"),
                 ("tops_per_w_inference", "tops_per_w_inference"), ("tops_per_w_train", "tops_per_w_train"),
                 ("dominant_component", "energy_dominant_component"),
                 ("dominant_component_train", "energy_dominant_component_train")]


def compare(files):
    """One dict per result file with the columns of `pcmsim compare --format json` (as the runs
    priced their energy): file, experiment, backend, test_accuracy, energy_per_inference_J,
    energy_per_train_step_J, tops_per_w_inference, tops_per_w_train, dominant_component(_train),
    level, assumptions. Missing entries are None."""
    rows = []
    for f in files:
        r = ResultFile(f)
        r.verify()
        if not r.exists("/summary"):
            raise _pcmsim.IoError(f"{r.path}: no /summary group (not a pcmsim run result?)")
        s = r.attrs("/summary")
        row = {"file": r.path}
        for out, key in _COMPARE_KEYS:
            row[out] = s.get(key)
        e = r.attrs("/energy") if r.exists("/energy") else {}
        row["level"] = e.get("level", "device (not recorded)")
        row["assumptions"] = r.read("/energy/assumptions") if r.exists("/energy/assumptions") else []
        rows.append(row)
    return rows
