// Number formats from Python: FloatFormat presets, quantize() over numpy arrays of any shape
// (in place or into a new array, never through a copy of the input), and the chunked
// low-precision GEMM.
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "numpy_views.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/numerics/float_format.hpp"
#include "pcmsim/numerics/lowp_gemm.hpp"
#include "pcmsim/numerics/round_array.hpp"

namespace pcmsim::python {

using numerics::FloatFormat;
using numerics::Rounding;

namespace {

FloatFormat FormatArg(const py::object& f) {
  if (py::isinstance<FloatFormat>(f)) return f.cast<FloatFormat>();
  if (py::isinstance<py::str>(f)) return numerics::FormatByName(f.cast<std::string>());
  throw py::type_error("format: expected a format name such as 'e4m3' or a pcmsim.FloatFormat");
}

py::array Quantize(const py::object& x, const py::object& format, const std::string& rounding, std::uint64_t seed,
                   const py::object& out) {
  const FloatFormat f = FormatArg(format);
  const Rounding r = numerics::RoundingFromString(rounding);
  const py::array in = CheckFloat32(x, "x");
  py::array result;
  if (out.is_none()) {
    // Same shape and memory order as the input, so element i of the buffer maps to element i.
    const bool fortran = !(in.flags() & py::array::c_style);
    std::vector<py::ssize_t> shape(in.shape(), in.shape() + in.ndim());
    result = fortran ? py::array(py::array_t<float, py::array::f_style>(shape))
                     : py::array(py::array_t<float, py::array::c_style>(shape));
  } else {
    result = CheckFloat32(out, "out");
    if (!result.writeable()) throw py::value_error("out: the array is read-only");
    const bool same_order = (result.flags() & py::array::c_style) == (in.flags() & py::array::c_style) ||
                            in.ndim() <= 1;
    if (result.ndim() != in.ndim() || !std::equal(in.shape(), in.shape() + in.ndim(), result.shape()) || !same_order) {
      throw py::value_error("out: must have the shape and memory order (C or Fortran) of x");
    }
  }
  const auto* src = static_cast<const float*>(in.data());
  auto* dst = static_cast<float*>(result.mutable_data());
  const Index n = in.size();
  {
    py::gil_scoped_release release;
    numerics::RoundArray(f, src, dst, n, r, seed);
  }
  return result;
}

py::array LowpGemmPy(const py::object& a, const py::object& b, const py::object& a_format, const py::object& b_format,
                     const py::object& product_format, const py::object& accum_format, Index chunk,
                     const std::string& accum_rounding, bool transpose_a, bool transpose_b, std::uint64_t seed) {
  numerics::LowpGemmOptions o;
  o.a_format = FormatArg(a_format);
  o.b_format = FormatArg(b_format);
  o.product_format = FormatArg(product_format);
  o.accum_format = FormatArg(accum_format);
  o.chunk = chunk;
  o.accum_rounding = numerics::RoundingFromString(accum_rounding);
  o.Validate();
  const Matrix am = MatrixCopy(CheckFloat32(a, "a"), "a");
  const Matrix bm = MatrixCopy(CheckFloat32(b, "b"), "b");
  const Index inner_a = transpose_a ? am.rows() : am.cols(), inner_b = transpose_b ? bm.cols() : bm.rows();
  if (inner_a != inner_b) {
    throw DimensionError(StrCat("lowp_gemm: op(a) has ", inner_a, " columns but op(b) has ", inner_b, " rows"));
  }
  Matrix c;
  {
    py::gil_scoped_release release;
    numerics::LowpGemm(am, transpose_a, bm, transpose_b, c, o, seed);
  }
  return MatrixToNumpy(std::move(c));
}

}  // namespace

void BindFormats(py::module_& m) {
  py::enum_<numerics::Specials>(m, "Specials", "Use of a format's top exponent code.")
      .value("ieee", numerics::Specials::kIeee, "all-ones exponent = inf / NaN (IEEE 754, OCP E5M2)")
      .value("ocp_e4m3", numerics::Specials::kOcpE4M3, "no inf; only S.1111.111 is NaN (OCP E4M3)")
      .value("none", numerics::Specials::kNone, "every code is finite");

  py::class_<FloatFormat>(m, "FloatFormat", R"doc(A binary floating-point format (sign, exponent, mantissa,
bias, specials, overflow policy), as pcmsim's numerics use it.

    FloatFormat("e4m3"), FloatFormat("hfp8:bias=11"), FloatFormat("e5m2:sat")

Names: see pcmsim.format_names(); NUMERICS.md describes each preset.)doc")
      .def(py::init([](const std::string& name) { return numerics::FormatByName(name); }), py::arg("name"),
           "The named preset (ConfigError listing the valid names otherwise).")
      .def_readonly("name", &FloatFormat::name, "preset name")
      .def_readonly("exponent_bits", &FloatFormat::exponent_bits, "E field width")
      .def_readonly("mantissa_bits", &FloatFormat::mantissa_bits, "stored fraction bits (precision - 1)")
      .def_readonly("bias", &FloatFormat::bias, "exponent bias")
      .def_readonly("subnormals", &FloatFormat::subnormals, "False: results below the smallest normal flush to 0")
      .def_readonly("specials", &FloatFormat::specials, "use of the top exponent code")
      .def_readonly("saturate", &FloatFormat::saturate, "overflow saturates to the largest finite value")
      .def_property_readonly("bits", &FloatFormat::Bits, "total bits")
      .def_property_readonly("precision", &FloatFormat::Precision, "significand bits including the implicit one")
      .def_property_readonly("max_finite", &FloatFormat::MaxFinite, "largest finite value")
      .def_property_readonly("min_normal", &FloatFormat::MinNormal, "smallest normal value")
      .def_property_readonly("min_subnormal", &FloatFormat::MinSubnormal, "smallest positive value")
      .def_property_readonly("fast_path", &numerics::HasFastPath, "True if quantize() has a branch-free float32 path")
      .def("__repr__", [](const FloatFormat& f) {
        return StrCat("FloatFormat('", f.name, "': 1-", f.exponent_bits, "-", f.mantissa_bits, ", bias ", f.bias, ")");
      });

  m.def("format_names", &numerics::FormatNames, "Names of the format presets (FloatFormat(name), quantize(x, name)).");

  m.def("quantize", &Quantize, py::arg("x"), py::arg("format"), py::arg("rounding") = "nearest",
        py::arg("seed") = 0, py::arg("out") = py::none(), R"doc(Rounds every element of x to a number format.

    y = pcmsim.quantize(x, "e4m3")                       # new array, same shape and order
    pcmsim.quantize(x, "e4m3", out=x)                    # in place
    pcmsim.quantize(x, "e5m2", rounding="stochastic", seed=7)

x: numpy float32 array of any shape, C- or Fortran-contiguous (read in place, never copied;
TypeError for another dtype, ValueError for a strided view). format: a name (format_names()) or a
FloatFormat. rounding: "nearest" (ties to even, bit-identical to the scalar conversion) or
"stochastic" (random bits from streams keyed by seed: same seed and size, same bits as the C++
RoundArray and `pcmsim quantize`). NaN and inf follow the format's specials and overflow policy.
In loops over large arrays pass out= (a new output array is faulted in by the kernel on every
call). Releases the GIL.)doc");

  m.def("lowp_gemm", &LowpGemmPy, py::arg("a"), py::arg("b"), py::arg("a_format") = "fp32",
        py::arg("b_format") = "fp32", py::arg("product_format") = "fp32", py::arg("accum_format") = "fp32",
        py::arg("chunk") = 64, py::arg("accum_rounding") = "nearest", py::arg("transpose_a") = false,
        py::arg("transpose_b") = false, py::arg("seed") = 0, R"doc(Low-precision GEMM emulation C = op(a) op(b).

Operands are rounded to a_format / b_format, each product to product_format, and every
accumulation step to accum_format, summed in chunks of `chunk` products (0 = one chunk;
Wang et al. 2018 chunk-based accumulation); accum_rounding "stochastic" draws from streams keyed
by seed, one per output tile (thread-count independent). accum_format "fp32" = plain float32.

a, b: 2-D float32 (rows, cols) arrays, C or Fortran order (copied into Eigen matrices: the C++
API takes owned column-major matrices; the copy is O(n^2) next to the O(n^3) product).
Returns C as a Fortran-ordered float32 array (no copy). ConfigError for invalid options,
DimensionError for shapes that do not fit. Releases the GIL.)doc");
}

}  // namespace pcmsim::python
