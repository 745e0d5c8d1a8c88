// Speed of a 512 x 512 tile forward on batch 64 (DAC, ADC, output noise; conductances
// already read) as a ratio to the plain FP32 GEMM of the same shape measured in the same
// run, and the rate of re-reading a whole tile at a new time (cells/s).
// Usage: crossbar_bench [threads] [repetitions]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "pcmsim/core/parallel.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/crossbar/tile.hpp"
#include "pcmsim/device/pcm_params.hpp"

namespace {

using namespace pcmsim;
using Clock = std::chrono::steady_clock;

// Median seconds of `reps` calls of fn (after one warm-up call).
template <typename Fn>
double MedianSeconds(int reps, Fn&& fn) {
  fn();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::nth_element(t.begin(), t.begin() + reps / 2, t.end());
  return t[reps / 2];
}

// Layer-like weights: sum of three uniforms (bell-shaped), so few outputs saturate the ADC.
Matrix LayerWeights(Index rows, Index cols, std::uint64_t seed) {
  Rng rng(seed);
  Matrix w(rows, cols);
  for (Index k = 0; k < w.size(); ++k) {
    w.data()[k] = static_cast<float>((rng.Uniform() + rng.Uniform() + rng.Uniform() - 1.5) * 0.05);
  }
  return w;
}

void Run(int threads, int reps) {
  SetNumThreads(threads);
  const Index n = 512, batch = 64;
  const Matrix w = LayerWeights(n, n, 1);
  Matrix x(n, batch);
  Rng rng(2);
  for (Index k = 0; k < x.size(); ++k) x.data()[k] = static_cast<float>(rng.Uniform());  // ReLU-like
  Matrix y;
  const double t_gemm = MedianSeconds(reps, [&] { ParallelGemm(w, false, x, false, y); });

  crossbar::TileOptions opt;  // DAC 7 bit, ADC 9 bit, output noise 0.06, noise + bound management
  opt.read_noise = false;
  opt.drift_compensation = crossbar::DriftCompensation::kNone;
  crossbar::Tile tile(n, n, device::ConventionalParams(), opt, 3, 0);
  tile.Program(w, 0.0);
  tile.ReadAt(3600.0);
  const auto before = tile.Events();
  const double t_tile = MedianSeconds(reps, [&] { tile.Forward(x, y); });
  const auto after = tile.Events();
  const double reruns = double(after.bound_reruns - before.bound_reruns) / double(after.forward_mvms - before.forward_mvms);

  crossbar::TileOptions opt_rn = opt;
  opt_rn.read_noise = true;
  crossbar::Tile tile_rn(n, n, device::ConventionalParams(), opt_rn, 3, 0);
  tile_rn.Program(w, 0.0);
  tile_rn.ReadAt(3600.0);
  const double t_tile_rn = MedianSeconds(reps, [&] { tile_rn.Forward(x, y); });

  double t_now = 3600.0;
  const double t_read = MedianSeconds(std::max(3, reps / 10), [&] { tile.ReadAt(t_now += 60.0); });
  const double cells = double(tile.devices().size());

  const double flops = 2.0 * n * n * batch;
  std::printf("threads %d, 512x512 weights, batch 64, median of %d\n", threads, reps);
  std::printf("  FP32 GEMM (ParallelGemm)           %8.1f us  %6.1f GFLOP/s\n", t_gemm * 1e6, flops / t_gemm * 1e-9);
  std::printf("  tile forward DAC7/ADC9/noise 0.06  %8.1f us  %6.1f GFLOP/s  ratio %.3f of GEMM rate"
              "  (bound-management re-runs per sample %.3f)\n",
              t_tile * 1e6, flops / t_tile * 1e-9, t_gemm / t_tile, reruns);
  std::printf("  same + folded device read noise    %8.1f us  %6.1f GFLOP/s  ratio %.3f of GEMM rate\n",
              t_tile_rn * 1e6, flops / t_tile_rn * 1e-9, t_gemm / t_tile_rn);
  std::printf("  re-read whole tile (%.0f cells)    %8.1f us  %.3g cells/s\n", cells, t_read * 1e6, cells / t_read);
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 200;
  Run(threads, reps);
  return 0;
}
