"""Compatibility shim: the plotting helpers are now pcmsim.plots (python/pcmsim/plots.py).

Notebooks and scripts/plot_results.py keep `import pcmsim_plots`; this loads the same file by
path, so it works without the compiled pcmsim module (only h5py and matplotlib are needed).
"""
import importlib.util as _util
import os as _os

_path = _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "..", "python", "pcmsim", "plots.py")
_spec = _util.spec_from_file_location("pcmsim_plots_impl", _path)
_impl = _util.module_from_spec(_spec)
_spec.loader.exec_module(_impl)
globals().update({k: v for k, v in vars(_impl).items() if not k.startswith("__")})
