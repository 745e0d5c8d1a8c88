"""pcmsim: analog in-memory computing with phase-change memory, next to digital FP32/FP8.

The Python face of the C++ library (pybind11): numpy arrays in and out, without copies where
the layout allows, the same bits as the C++ API and the CLI for the same seeds, long calls
release the GIL, errors are pcmsim.Error subclasses with the library's one-line messages.

    import numpy as np, pcmsim
    y = pcmsim.quantize(np.random.randn(1000).astype(np.float32), "e4m3")
    dev = pcmsim.Device.load("devices/pcm_projected.toml")
    tile = pcmsim.Tile(128, 256, dev, options={"forward": {"adc_bits": 8}}, seed=1)
    tile.program(w)                      # w: float32 (128, 256)
    out = tile.forward(x)                # x: float32 (batch, 256), C order -> (batch, 128)
    res = pcmsim.run("experiments/mnist_fp32.toml", overrides={"train": {"epochs": 1}})
    res.summary["test_accuracy"], res.metrics["train_loss"], res.weights[0].shape

Layout contract (numpy <-> Eigen): pcmsim's matrices are column-major float32 and activations
are features x batch; a C-contiguous (batch, features) float32 array is exactly that memory,
so batches go in and come out without a copy. Weights are (outputs, inputs). Wrong dtype ->
TypeError, wrong rank/shape/order or a strided view -> ValueError / DimensionError.

Concepts: number formats (quantize, FloatFormat, lowp_gemm), devices (Device, CellArray,
characterize), tiles (TileOptions, Tile, AnalogMatrix), experiments (run, open, ResultFile,
compare), figures (pcmsim.plots, needs h5py + matplotlib).
"""
from ._pcmsim import (  # noqa: F401
    AnalogMatrix,
    CellArray,
    Device,
    FloatFormat,
    Specials,
    Tile,
    TileOptions,
    characterize,
    format_names,
    lowp_gemm,
    quantize,
    set_threads,
    threads,
)
from .errors import ConfigError, DimensionError, Error, IoError  # noqa: F401
from .experiments import ResultFile, compare, load_experiment, open, run  # noqa: F401,A001

__version__ = "0.1.0"

__all__ = [
    "AnalogMatrix", "CellArray", "ConfigError", "Device", "DimensionError", "Error", "FloatFormat", "IoError",
    "ResultFile", "Specials", "Tile", "TileOptions", "characterize", "compare", "format_names", "load_experiment",
    "lowp_gemm", "open", "quantize", "run", "set_threads", "threads",
]
