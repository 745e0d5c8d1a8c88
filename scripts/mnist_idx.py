"""Reads the MNIST digits of data/mnist (gzip IDX files) for the Python scripts that train
networks outside pcmsim (make_onnx_example.py, export_torch_onnx.py, bench/peers/*).
Pixels are scaled by 1/255 in float32, as pcmsim's IDX reader does."""
import gzip
import os

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
MNIST = os.path.join(ROOT, "data", "mnist")
FILES = {"train": "train-10k", "test": "t10k"}


def idx(path):
    """The array stored in one (gzip) IDX file, uint8, shaped by its header."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(split, folder=MNIST):
    """(images N x 28 x 28 float32 in [0, 1], labels N int64) of "train" (10k) or "test"."""
    name = FILES[split]
    x = idx(os.path.join(folder, name + "-images-idx3-ubyte.gz")).astype(np.float32) / np.float32(255)
    y = idx(os.path.join(folder, name + "-labels-idx1-ubyte.gz")).astype(np.int64)
    return x, y
