// Measures, in one run and on one thread (7 interleaved rounds, interleave.hpp), the FP32 GEMM rate (Eigen via
// ParallelGemm) and the rates of the emulated low-precision GEMMs, and prints their rate ratios to FP32 with
// spreads. Targets (issue #3): chunked (1,6,9) accumulation CL=64 >= 15 %; FP8 operands with FP32 accumulation >= 50 %.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "interleave.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/numerics/lowp_gemm.hpp"

namespace {

using pcmsim::Index;
using pcmsim::Matrix;
namespace nx = pcmsim::numerics;

Matrix Random(Index r, Index c, std::uint64_t seed) {
  pcmsim::Rng rng(seed);
  Matrix m(r, c);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(rng.Uniform() * 2 - 1);
  return m;
}

nx::LowpGemmOptions Options(const char* operand, const char* accum, Index chunk, nx::Rounding r) {
  nx::LowpGemmOptions o;
  o.a_format = o.b_format = nx::FormatByName(operand);
  o.accum_format = o.product_format = nx::FormatByName(accum);
  o.chunk = chunk;
  o.accum_rounding = r;
  return o;
}

void RunShape(Index m, Index k, Index n) {
  const Matrix a = Random(m, k, 1), b = Random(k, n, 2);
  Matrix c;
  const double flops = 2.0 * static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n);
  struct Case {
    std::string label;
    nx::LowpGemmOptions o;
    const char* target;
  };
  const std::vector<Case> cases = {
      {"fp8_152 x fp8_152, (1,6,9) acc CL=64 nearest", Options("fp8_152", "fp16_169", 64, nx::Rounding::kNearest),
       ">= 15 %"},
      {"fp8_152 x fp8_152, fp32 acc", Options("fp8_152", "fp32", 64, nx::Rounding::kNearest), ">= 50 %"},
      {"fp8_152 x fp8_152, (1,6,9) acc CL=1 nearest", Options("fp8_152", "fp16_169", 1, nx::Rounding::kNearest), "-"},
      {"fp8_152 x fp8_152, (1,6,9) acc CL=64 stochastic", Options("fp8_152", "fp16_169", 64, nx::Rounding::kStochastic),
       "-"},
      {"e4m3 x e4m3, fp16 acc CL=32 nearest", Options("e4m3", "fp16", 32, nx::Rounding::kNearest), "-"},
  };
  pcmsim::bench::Interleaved meas(7, 0.05);
  const int base = meas.Add("fp32", [&] { pcmsim::ParallelGemm(a, false, b, false, c); });
  for (const Case& cs : cases) meas.Add(cs.label, [&] { nx::LowpGemm(a, false, b, false, c, cs.o, 7); });
  meas.Measure();
  std::printf("shape %ldx%ldx%ld (m x k x n): fp32 Eigen GEMM %.2f GFLOP/s (%s)\n", static_cast<long>(m),
              static_cast<long>(k), static_cast<long>(n), flops / meas.Seconds(base).median * 1e-9,
              meas.Conditions().c_str());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const int id = static_cast<int>(i) + 1;
    std::printf("  %-50s %7.2f GFLOP/s  rate ratio to fp32 %s  (target %s)\n", cases[i].label.c_str(),
                flops / meas.Seconds(id).median * 1e-9, pcmsim::bench::FormatRatio(meas.Ratio(base, id), true).c_str(),
                cases[i].target);
  }
}
}  // namespace

int main() {
  pcmsim::SetNumThreads(1);
  std::printf("numerics_bench: single thread, ratios measured in this run\n");
  RunShape(256, 784, 64);
  RunShape(512, 512, 512);
  return 0;
}
