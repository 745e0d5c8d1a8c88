// The numpy <-> Eigen layout contract of the bindings, checked in one place.
//
// pcmsim's matrices are Eigen column-major float32 (types.hpp); activations are
// features x batch (one sample per column). A C-contiguous numpy array of shape
// (batch, features) has exactly that memory, so batches cross the boundary without a copy
// in both directions: inputs are mapped in place, outputs are Eigen matrices handed to numpy
// (the array owns them through a capsule). Weight matrices (out x in) come back as
// Fortran-ordered numpy arrays of shape (out, in), also without a copy. Anything else
// (wrong dtype: TypeError; wrong rank or shape, non-contiguous: ValueError) is refused with a
// message naming the argument and the expected layout; nothing is converted silently.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <span>
#include <string>

#include "pcmsim/core/types.hpp"

namespace pcmsim::python {

namespace py = pybind11;

// a is a numpy array of float32 (TypeError otherwise) that is C- or F-contiguous
// (ValueError otherwise); returns it.
py::array CheckFloat32(const py::handle& a, const char* name);
// The same for float64 / int64.
py::array CheckFloat64(const py::handle& a, const char* name);
py::array CheckInt64(const py::handle& a, const char* name);
// A batch (batch, features) C-contiguous float32, mapped as features x batch without a copy;
// features must equal `features` (DimensionError otherwise; -1 = any).
Eigen::Map<const Matrix> BatchView(const py::array& a, Index features, const char* name);
// A (rows, cols) float32 matrix, C- or F-ordered, copied into an Eigen matrix.
Matrix MatrixCopy(const py::array& a, const char* name);
// 1-D contiguous views (after CheckFloat64 / CheckInt64 and a rank check).
std::span<const double> DoubleSpan(const py::array& a, const char* name);
std::span<const Index> IndexSpan(const py::array& a, const char* name);
// ValueError naming `name` if any value is NaN or infinite.
void CheckFinite(std::span<const double> v, const char* name);
void CheckFinite(const float* v, Index n, const char* name);
void CheckFiniteScalar(double v, const char* name);

// Eigen results handed to numpy without a copy (the array owns the moved matrix).
py::array_t<float> BatchToNumpy(Matrix&& m);   // rows x batch -> (batch, rows), C order
py::array_t<float> MatrixToNumpy(Matrix&& m);  // rows x cols -> (rows, cols), F order
py::array_t<double> MatrixToNumpy(MatrixD&& m);
py::array_t<double> VectorToNumpy(ArrayD&& v);
py::array_t<double> VectorToNumpy(std::vector<double>&& v);

}  // namespace pcmsim::python
