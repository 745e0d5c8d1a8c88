"""pcmsim's error hierarchy as Python exceptions (mapped from include/pcmsim/core/error.hpp).

    Error            base of every error a user can cause (Exception)
    ConfigError      a config file, dict or override is wrong (also a ValueError)
    DimensionError   shapes that do not fit together (also a ValueError)
    IoError          a file cannot be read or written, or is malformed (also an OSError)

Messages are the C++ library's one-line messages (file, key and reason). Arguments the
bindings refuse before calling into C++ raise the built-in TypeError (wrong dtype or type) or
ValueError (wrong rank, layout, non-contiguous, NaN where forbidden).
"""
from ._pcmsim import ConfigError, DimensionError, Error, IoError

__all__ = ["Error", "ConfigError", "DimensionError", "IoError"]
