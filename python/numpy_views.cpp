// Checks and zero-copy conversions between numpy arrays and Eigen (see numpy_views.hpp).
#include "numpy_views.hpp"

#include <cmath>
#include <vector>

#include "pcmsim/core/error.hpp"

namespace pcmsim::python {
namespace {

std::string Describe(const py::handle& a) {
  if (!py::isinstance<py::array>(a)) return std::string(py::str(py::type::of(a).attr("__name__")));
  const auto arr = py::reinterpret_borrow<py::array>(a);
  return StrCat("numpy array of ", std::string(py::str(arr.dtype())));
}

template <typename T>
py::array CheckDtype(const py::handle& a, const char* name, const char* dtype) {
  if (!py::array_t<T>::check_(a)) {
    throw py::type_error(StrCat(name, ": expected a numpy array of ", dtype, ", got ", Describe(a),
                                " (convert with np.asarray(", name, ", dtype=np.", dtype, "))"));
  }
  auto arr = py::reinterpret_borrow<py::array>(a);
  const auto flags = arr.flags();
  if (!(flags & py::array::c_style) && !(flags & py::array::f_style)) {
    throw py::value_error(StrCat(name, ": the array is not contiguous (a strided view); pass np.ascontiguousarray(",
                                 name, ")"));
  }
  return arr;
}

std::string ShapeText(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s += StrCat(i ? ", " : "", a.shape(i));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

void Require1D(const py::array& a, const char* name) {
  if (a.ndim() != 1) throw py::value_error(StrCat(name, ": expected a 1-D array, got shape ", ShapeText(a)));
}

}  // namespace

py::array CheckFloat32(const py::handle& a, const char* name) { return CheckDtype<float>(a, name, "float32"); }
py::array CheckFloat64(const py::handle& a, const char* name) { return CheckDtype<double>(a, name, "float64"); }
py::array CheckInt64(const py::handle& a, const char* name) { return CheckDtype<std::int64_t>(a, name, "int64"); }

Eigen::Map<const Matrix> BatchView(const py::array& a, Index features, const char* name) {
  if (a.ndim() != 2) {
    throw py::value_error(StrCat(name, ": expected a 2-D array (batch, features), got shape ", ShapeText(a)));
  }
  if (!(a.flags() & py::array::c_style)) {
    throw py::value_error(StrCat(name, ": a batch must be C-contiguous with shape (batch, features) (one sample per "
                                 "row; that is pcmsim's features x batch column-major layout), got a Fortran-ordered "
                                 "array; pass np.ascontiguousarray(", name, ")"));
  }
  const Index batch = a.shape(0), f = a.shape(1);
  if (features >= 0 && f != features) {
    throw DimensionError(StrCat(name, ": ", f, " features per sample, expected ", features, " (shape ", ShapeText(a),
                                ", expected (batch, ", features, "))"));
  }
  if (batch < 1) throw py::value_error(StrCat(name, ": empty batch (shape ", ShapeText(a), ")"));
  return {static_cast<const float*>(a.data()), f, batch};
}

Matrix MatrixCopy(const py::array& a, const char* name) {
  if (a.ndim() != 2) throw py::value_error(StrCat(name, ": expected a 2-D array (rows, cols), got shape ", ShapeText(a)));
  const Index r = a.shape(0), c = a.shape(1);
  const auto* p = static_cast<const float*>(a.data());
  if (a.flags() & py::array::f_style) return Eigen::Map<const Matrix>(p, r, c);
  return Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(p, r, c);
}

std::span<const double> DoubleSpan(const py::array& a, const char* name) {
  Require1D(a, name);
  return {static_cast<const double*>(a.data()), static_cast<std::size_t>(a.shape(0))};
}

std::span<const Index> IndexSpan(const py::array& a, const char* name) {
  static_assert(sizeof(Index) == sizeof(std::int64_t));
  Require1D(a, name);
  return {static_cast<const Index*>(a.data()), static_cast<std::size_t>(a.shape(0))};
}

void CheckFinite(std::span<const double> v, const char* name) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) throw py::value_error(StrCat(name, "[", i, "] = ", v[i], ": must be finite"));
  }
}

void CheckFinite(const float* v, Index n, const char* name) {
  for (Index i = 0; i < n; ++i) {
    if (!std::isfinite(v[i])) throw py::value_error(StrCat(name, ": element ", i, " = ", v[i], ": must be finite"));
  }
}

void CheckFiniteScalar(double v, const char* name) {
  if (!std::isfinite(v)) throw py::value_error(StrCat(name, " = ", v, ": must be finite"));
}

namespace {
template <typename T>
py::capsule Owner(T* heap) {
  return py::capsule(heap, [](void* p) { delete static_cast<T*>(p); });
}
}  // namespace

py::array_t<float> BatchToNumpy(Matrix&& m) {
  auto* heap = new Matrix(std::move(m));
  const py::ssize_t rows = heap->rows(), cols = heap->cols(), s = sizeof(float);
  return py::array_t<float>({cols, rows}, {rows * s, s}, heap->data(), Owner(heap));
}

py::array_t<float> MatrixToNumpy(Matrix&& m) {
  auto* heap = new Matrix(std::move(m));
  const py::ssize_t rows = heap->rows(), cols = heap->cols(), s = sizeof(float);
  return py::array_t<float>({rows, cols}, {s, rows * s}, heap->data(), Owner(heap));
}

py::array_t<double> MatrixToNumpy(MatrixD&& m) {
  auto* heap = new MatrixD(std::move(m));
  const py::ssize_t rows = heap->rows(), cols = heap->cols(), s = sizeof(double);
  return py::array_t<double>({rows, cols}, {s, rows * s}, heap->data(), Owner(heap));
}

py::array_t<double> VectorToNumpy(ArrayD&& v) {
  auto* heap = new ArrayD(std::move(v));
  return py::array_t<double>({static_cast<py::ssize_t>(heap->size())}, {static_cast<py::ssize_t>(sizeof(double))},
                             heap->data(), Owner(heap));
}

py::array_t<double> VectorToNumpy(std::vector<double>&& v) {
  auto* heap = new std::vector<double>(std::move(v));
  return py::array_t<double>({static_cast<py::ssize_t>(heap->size())}, {static_cast<py::ssize_t>(sizeof(double))},
                             heap->data(), Owner(heap));
}

}  // namespace pcmsim::python
