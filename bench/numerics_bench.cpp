// Measures, in one run and on one thread (best of 7 round-robin samples), the FP32 GEMM rate (Eigen via ParallelGemm) and
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

// Seconds per call of one sample: repeats fn for >= 0.05 s.
double SampleSeconds(const std::function<void()>& fn) {
  using Clock = std::chrono::steady_clock;
  int reps = 0;
  const auto t0 = Clock::now();
  double elapsed = 0;
  do {
    fn();
    ++reps;
    elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  } while (elapsed < 0.05);
  return elapsed / reps;
}

// Best time per call of each function, sampled round-robin (baseline and candidates see the
// same machine load, which matters on a shared host).
std::vector<double> BestSeconds(const std::vector<std::function<void()>>& fns, int rounds) {
  std::vector<double> best(fns.size(), 1e30);
  for (const auto& fn : fns) fn();  // warm-up
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t i = 0; i < fns.size(); ++i) best[i] = std::min(best[i], SampleSeconds(fns[i]));
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
  std::vector<std::function<void()>> fns = {[&] { pcmsim::ParallelGemm(a, false, b, false, c); }};
  for (const Case& cs : cases) fns.push_back([&] { nx::LowpGemm(a, false, b, false, c, cs.o, 7); });
  const std::vector<double> t = BestSeconds(fns, 7);
  std::printf("shape %ldx%ldx%ld (m x k x n): fp32 Eigen GEMM %.2f GFLOP/s\n", static_cast<long>(m),
              static_cast<long>(k), static_cast<long>(n), flops / t[0] * 1e-9);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    std::printf("  %-50s %7.2f GFLOP/s  ratio to fp32 %.3f  (target %s)\n", cases[i].label.c_str(),
                flops / t[i + 1] * 1e-9, t[0] / t[i + 1], cases[i].target);
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
