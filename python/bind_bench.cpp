// pcmsim._bench: the C++ side of bench/python_overhead.py. Each function runs the same call
// a Python user makes (Tile::Forward on a mapped batch, RoundArray over a float32 buffer) in
// a C++ loop and returns the seconds of every call, so the script can interleave C++ and
// Python timings of one object in one process.
#include <pybind11/stl.h>

#include <chrono>
#include <vector>

#include "bindings.hpp"
#include "numpy_views.hpp"
#include "pcmsim/crossbar/tile.hpp"
#include "pcmsim/numerics/float_format.hpp"
#include "pcmsim/numerics/round_array.hpp"

namespace pcmsim::python {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

}  // namespace

void BindBench(py::module_& m) {
  py::module_ b = m.def_submodule("_bench", "C++ timing loops for bench/python_overhead.py (not API).");
  b.def("tile_forward_seconds", [](crossbar::Tile& tile, const py::object& x, int calls) {
         const py::array xa = CheckFloat32(x, "x");
         const Eigen::Map<const Matrix> xv = BatchView(xa, tile.cols(), "x");
         std::vector<double> out;
         py::gil_scoped_release release;
         Matrix y;
         for (int i = 0; i < calls; ++i) {
           const auto t0 = Clock::now();
           tile.Forward(xv, y);
           out.push_back(Seconds(t0, Clock::now()));
         }
         return out;
       }, py::arg("tile"), py::arg("x"), py::arg("calls"),
       "Seconds of each of `calls` Tile::Forward(x, y) calls made from C++ (y reused).");
  b.def("quantize_seconds", [](const py::object& x, const std::string& format, int calls) {
         const py::array xa = CheckFloat32(x, "x");
         const numerics::FloatFormat f = numerics::FormatByName(format);
         const auto* src = static_cast<const float*>(xa.data());
         const Index n = xa.size();
         std::vector<float> dst(static_cast<std::size_t>(n));
         std::vector<double> out;
         py::gil_scoped_release release;
         for (int i = 0; i < calls; ++i) {
           const auto t0 = Clock::now();
           numerics::RoundArray(f, src, dst.data(), n);
           out.push_back(Seconds(t0, Clock::now()));
         }
         return out;
       }, py::arg("x"), py::arg("format"), py::arg("calls"),
       "Seconds of each of `calls` RoundArray calls over x into a preallocated buffer, from C++.");
}

}  // namespace pcmsim::python
