// Google Benchmark microbenchmarks of the hot kernels (absolute times; ratios come from the
// interleaved harnesses). Recommended on a shared machine:
//   bench_kernels --benchmark_enable_random_interleaving=true --benchmark_repetitions=5
//                 --benchmark_report_aggregates_only=true
// ParallelFor/empty: the cost of one parallel region of two empty chunks (thread hand-over);
// Gemm/*: the MLP's first layer (256 x 784 x 64) in FP32, FP8 and (1,6,9) operands;
// TileForward/*: a 512 x 512 tile on batch 64 with each read-noise model.
#include <benchmark/benchmark.h>

#include <string>

#include "pcmsim/core/parallel.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/crossbar/tile.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "pcmsim/numerics/lowp_gemm.hpp"

namespace {

using namespace pcmsim;

Matrix Random(Index r, Index c, std::uint64_t seed, float scale = 1.0f) {
  Rng rng(seed);
  Matrix m(r, c);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = scale * static_cast<float>(rng.Uniform() * 2 - 1);
  return m;
}

void ParallelForEmpty(benchmark::State& state) {
  SetNumThreads(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    ParallelFor(2, 1, [](Index b, Index) { benchmark::DoNotOptimize(b); });
  }
  SetNumThreads(0);
}
BENCHMARK(ParallelForEmpty)->Name("ParallelFor/empty")->Arg(1)->Arg(2)->UseRealTime();

void Gemm(benchmark::State& state, const char* operands, const char* accum) {
  const Matrix w = Random(256, 784, 1, 0.1f), x = Random(784, 64, 2);
  Matrix y;
  numerics::LowpGemmOptions o;
  const bool fp32 = std::string(operands) == "fp32";
  if (!fp32) {
    o.a_format = o.b_format = numerics::FormatByName(operands);
    o.accum_format = o.product_format = numerics::FormatByName(accum);
  }
  for (auto _ : state) {
    if (fp32) {
      ParallelGemm(w, false, x, false, y);
    } else {
      numerics::LowpGemm(w, false, x, false, y, o, 1);
    }
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * 256 * 784 * 64, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK_CAPTURE(Gemm, fp32, "fp32", "fp32")->UseRealTime();
BENCHMARK_CAPTURE(Gemm, fp8_152_acc169, "fp8_152", "fp16_169")->UseRealTime();
BENCHMARK_CAPTURE(Gemm, fp16_169_acc169, "fp16_169", "fp16_169")->UseRealTime();

void TileForward(benchmark::State& state, crossbar::ReadNoiseModel model, bool read_noise) {
  const Index n = 512;
  Rng rng(3);
  Matrix w(n, n), x(n, 64), y;
  for (Index k = 0; k < w.size(); ++k) w.data()[k] = static_cast<float>((rng.Uniform() - 0.5) * 0.1);
  for (Index k = 0; k < x.size(); ++k) x.data()[k] = static_cast<float>(rng.Uniform());
  crossbar::TileOptions opt;
  opt.read_noise = read_noise;
  opt.read_noise_model = model;
  opt.drift_compensation = crossbar::DriftCompensation::kNone;
  crossbar::Tile tile(n, n, device::ConventionalParams(), opt, 3, 0);
  tile.Program(w, 0.0);
  tile.ReadAt(3600.0);
  for (auto _ : state) {
    tile.Forward(x, y);
    benchmark::DoNotOptimize(y.data());
  }
}
BENCHMARK_CAPTURE(TileForward, no_read_noise, crossbar::ReadNoiseModel::kPerMvm, false)->UseRealTime();
BENCHMARK_CAPTURE(TileForward, read_noise_per_mvm, crossbar::ReadNoiseModel::kPerMvm, true)->UseRealTime();
BENCHMARK_CAPTURE(TileForward, read_noise_frozen, crossbar::ReadNoiseModel::kFrozen, true)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
