// The binding units of the pcmsim Python module, one per concept; module.cpp calls them in
// dependency order (errors first: every other unit raises them).
#pragma once

#include <pybind11/pybind11.h>

namespace pcmsim::python {

namespace py = pybind11;

void BindErrors(py::module_& m);       // pcmsim.Error, ConfigError, IoError, DimensionError
void BindFormats(py::module_& m);      // quantize, FloatFormat, lowp_gemm
void BindDevices(py::module_& m);      // Device, CellArray, characterize
void BindTiles(py::module_& m);        // TileOptions, Tile, AnalogMatrix
void BindExperiments(py::module_& m);  // run, ResultFile, compare
void BindBench(py::module_& m);        // pcmsim._bench: C++ timing loops for bench/python_overhead.py

}  // namespace pcmsim::python
