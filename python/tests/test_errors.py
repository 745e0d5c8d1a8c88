"""Bad arguments raise the right exception class with a clear message."""
import os

import numpy as np
import pytest

import pcmsim
from conftest import src


def test_error_hierarchy():
    assert issubclass(pcmsim.ConfigError, pcmsim.Error) and issubclass(pcmsim.ConfigError, ValueError)
    assert issubclass(pcmsim.DimensionError, pcmsim.Error) and issubclass(pcmsim.DimensionError, ValueError)
    assert issubclass(pcmsim.IoError, pcmsim.Error) and issubclass(pcmsim.IoError, OSError)
    assert issubclass(pcmsim.Error, Exception) and not issubclass(pcmsim.Error, ValueError)


def test_quantize_wrong_dtype():
    with pytest.raises(TypeError, match=r"x: expected a numpy array of float32, got numpy array of float64"):
        pcmsim.quantize(np.zeros(4), "e4m3")
    with pytest.raises(TypeError, match=r"x: expected a numpy array of float32, got list"):
        pcmsim.quantize([1.0, 2.0], "e4m3")


def test_quantize_non_contiguous():
    x = np.zeros(10, dtype=np.float32)
    with pytest.raises(ValueError, match=r"x: the array is not contiguous"):
        pcmsim.quantize(x[::2], "e4m3")


def test_quantize_unknown_format_and_rounding():
    x = np.zeros(4, dtype=np.float32)
    with pytest.raises(pcmsim.ConfigError, match="e3m9"):
        pcmsim.quantize(x, "e3m9")
    with pytest.raises(pcmsim.ConfigError, match="upward"):
        pcmsim.quantize(x, "e4m3", rounding="upward")


def test_quantize_out_mismatch():
    x = np.zeros(4, dtype=np.float32)
    with pytest.raises(ValueError, match="out: must have the shape"):
        pcmsim.quantize(x, "e4m3", out=np.zeros(5, dtype=np.float32))


def test_lowp_gemm_shapes_and_options():
    a = np.ones((3, 4), dtype=np.float32)
    with pytest.raises(pcmsim.DimensionError, match="op\\(a\\) has 4 columns but op\\(b\\) has 5 rows"):
        pcmsim.lowp_gemm(a, np.ones((5, 2), dtype=np.float32))
    with pytest.raises(pcmsim.ConfigError, match="chunk"):
        pcmsim.lowp_gemm(a, np.ones((4, 2), dtype=np.float32), accum_format="fp16", chunk=-1)


@pytest.fixture(scope="module")
def tile():
    t = pcmsim.Tile(8, 12, pcmsim.Device.load(), seed=1)
    t.program(np.ones((8, 12), dtype=np.float32) * 0.1)
    return t


def test_tile_forward_wrong_shape(tile):
    with pytest.raises(pcmsim.DimensionError, match=r"x: 10 features per sample, expected 12"):
        tile.forward(np.zeros((4, 10), dtype=np.float32))
    with pytest.raises(ValueError, match=r"x: expected a 2-D array \(batch, features\), got shape \(12,\)"):
        tile.forward(np.zeros(12, dtype=np.float32))


def test_tile_forward_layout_and_dtype(tile):
    with pytest.raises(ValueError, match="must be C-contiguous"):
        tile.forward(np.asfortranarray(np.zeros((4, 12), dtype=np.float32)))
    with pytest.raises(ValueError, match="not contiguous"):
        tile.forward(np.zeros((4, 24), dtype=np.float32)[:, ::2])
    with pytest.raises(TypeError, match="float32"):
        tile.forward(np.zeros((4, 12), dtype=np.int32))


def test_tile_program_nan_and_shape(tile):
    w = np.zeros((8, 12), dtype=np.float32)
    w[3, 4] = np.nan
    with pytest.raises(ValueError, match=r"w: element \d+ = nan: must be finite"):
        tile.program(w)
    with pytest.raises(pcmsim.DimensionError, match="weights are 8 x 11"):
        tile.program(np.zeros((8, 11), dtype=np.float32))
    with pytest.raises(ValueError, match="t = inf: must be finite"):
        tile.read_at(float("inf"))


def test_tile_unknown_option():
    with pytest.raises(pcmsim.ConfigError, match="adc_bitz"):
        pcmsim.TileOptions({"forward": {"adc_bitz": 8}})
    with pytest.raises(pcmsim.ConfigError, match="adc_bits"):
        pcmsim.TileOptions({"forward": {"adc_bits": 99}})
    with pytest.raises(TypeError, match="cannot be a config value"):
        pcmsim.TileOptions({"forward": {"adc_bits": object()}})


def test_tile_before_program():
    t = pcmsim.Tile(4, 4, pcmsim.Device.load())
    with pytest.raises(pcmsim.Error, match="before Program"):
        t.forward(np.zeros((1, 4), dtype=np.float32))


def test_unknown_preset_key():
    with pytest.raises(pcmsim.ConfigError, match="drfit_nu"):
        pcmsim.Device.load(src("devices", "pcm_projected.toml"), overrides={"drfit_nu": 0.1})
    with pytest.raises(pcmsim.IoError, match="no_such_device.toml"):
        pcmsim.Device.load(src("devices", "no_such_device.toml"))


def test_cell_array_bad_targets():
    cells = pcmsim.CellArray(pcmsim.Device.load(), 5)
    with pytest.raises(ValueError, match=r"targets\[2\] = nan: must be finite"):
        cells.program(np.array([1e-6, 2e-6, np.nan, 3e-6, 4e-6]))
    with pytest.raises(TypeError, match="targets: expected a numpy array of float64, got numpy array of float32"):
        cells.program(np.zeros(5, dtype=np.float32))
    with pytest.raises(pcmsim.DimensionError, match="targets: 4 values for 5 cells"):
        cells.program(np.zeros(4))
    with pytest.raises(pcmsim.ConfigError, match="method = 'fast'"):
        cells.program(np.zeros(5), method="fast")


def test_experiment_unknown_key_and_bad_file(workdir):
    with pytest.raises(pcmsim.ConfigError, match="train.epochz"):
        pcmsim.load_experiment(src("experiments", "mnist_fp32.toml"), overrides={"train": {"epochz": 1}})
    foreign = os.path.join(workdir, "not_pcmsim.h5")
    with open(foreign, "wb") as f:
        f.write(b"not an hdf5 file")
    with pytest.raises(pcmsim.IoError, match="not_pcmsim.h5"):
        pcmsim.open(foreign)
