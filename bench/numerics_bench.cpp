// Measures, in one run and on one thread, the FP32 GEMM rate (Eigen via ParallelGemm) and
// the rates of the emulated low-precision GEMMs, and prints their ratios to FP32.
// Targets (issue #3): chunked (1,6,9) accumulation CL=64 >= 15 %; FP8 operands with FP32
// accumulation >= 50 %.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

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

// Best-of-5 seconds per call, each sample repeating the call for >= 0.1 s.
double SecondsPerCall(const std::function<void()>& fn) {
  using Clock = std::chrono::steady_clock;
  fn();  // warm-up
  double best = 1e30;
  for (int sample = 0; sample < 5; ++sample) {
    int reps = 0;
    const auto t0 = Clock::now();
    double elapsed = 0;
    do {
      fn();
      ++reps;
      elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    } while (elapsed < 0.1);
    best = std::min(best, elapsed / reps);
  }
  return best;
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
  const double t32 = SecondsPerCall([&] { pcmsim::ParallelGemm(a, false, b, false, c); });
  std::printf("shape %ldx%ldx%ld (m x k x n): fp32 Eigen GEMM %.2f GFLOP/s\n", static_cast<long>(m),
              static_cast<long>(k), static_cast<long>(n), flops / t32 * 1e-9);
  struct Case {
    std::string label;
    nx::LowpGemmOptions o;
    const char* target;
  };
  const std::vector<Case> cases = {
      {"fp8_152 x fp8_152, (1,6,9) acc CL=64 nearest", Options("fp8_152", "fp16_169", 64, nx::Rounding::kNearest), ">= 0.15"},
      {"fp8_152 x fp8_152, fp32 acc", Options("fp8_152", "fp32", 64, nx::Rounding::kNearest), ">= 0.50"},
      {"fp8_152 x fp8_152, (1,6,9) acc CL=1 nearest", Options("fp8_152", "fp16_169", 1, nx::Rounding::kNearest), "-"},
      {"fp8_152 x fp8_152, (1,6,9) acc CL=64 stochastic", Options("fp8_152", "fp16_169", 64, nx::Rounding::kStochastic), "-"},
      {"e4m3 x e4m3, fp16 acc CL=32 nearest", Options("e4m3", "fp16", 32, nx::Rounding::kNearest), "-"},
  };
  for (const Case& cs : cases) {
    const double t = SecondsPerCall([&] { nx::LowpGemm(a, false, b, false, c, cs.o, 7); });
    std::printf("  %-50s %7.2f GFLOP/s  ratio to fp32 %.3f  (target %s)\n", cs.label.c_str(),
                flops / t * 1e-9, t32 / t, cs.target);
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
