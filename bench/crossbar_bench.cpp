// Speed of a 512 x 512 tile forward on batch 64 (DAC, ADC, output noise; conductances
// already read) as a ratio to the plain FP32 GEMM of the same shape measured in the same
// run (interleaved, interleave.hpp), and the rate of re-reading a whole tile at a new time
// (cells/s). Usage: crossbar_bench [threads] [rounds]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "interleave.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/crossbar/tile.hpp"
#include "pcmsim/device/pcm_params.hpp"

namespace {

using namespace pcmsim;
using Clock = std::chrono::steady_clock;

// Layer-like weights: sum of three uniforms (bell-shaped), so few outputs saturate the ADC.
Matrix LayerWeights(Index rows, Index cols, std::uint64_t seed) {
  Rng rng(seed);
  Matrix w(rows, cols);
  for (Index k = 0; k < w.size(); ++k) {
    w.data()[k] = static_cast<float>((rng.Uniform() + rng.Uniform() + rng.Uniform() - 1.5) * 0.05);
  }
  return w;
}

void Run(int threads, int rounds) {
  SetNumThreads(threads);
  const Index n = 512, batch = 64;
  const Matrix w = LayerWeights(n, n, 1);
  Matrix x(n, batch);
  Rng rng(2);
  for (Index k = 0; k < x.size(); ++k) x.data()[k] = static_cast<float>(rng.Uniform());  // ReLU-like
  Matrix y;

  crossbar::TileOptions opt;  // DAC 7 bit, ADC 9 bit, output noise 0.06, noise + bound management
  opt.read_noise = false;
  opt.drift_compensation = crossbar::DriftCompensation::kNone;
  crossbar::Tile tile(n, n, device::ConventionalParams(), opt, 3, 0);
  tile.Program(w, 0.0);
  tile.ReadAt(3600.0);

  crossbar::TileOptions opt_rn = opt;
  opt_rn.read_noise = true;
  crossbar::Tile tile_rn(n, n, device::ConventionalParams(), opt_rn, 3, 0);
  tile_rn.Program(w, 0.0);
  tile_rn.ReadAt(3600.0);
  crossbar::TileOptions opt_fz = opt_rn;
  opt_fz.read_noise_model = crossbar::ReadNoiseModel::kFrozen;
  crossbar::Tile tile_fz(n, n, device::ConventionalParams(), opt_fz, 3, 0);
  tile_fz.Program(w, 0.0);
  tile_fz.ReadAt(3600.0);

  bench::Interleaved m(rounds, 0.05);
  const int ig = m.Add("gemm", [&] { ParallelGemm(w, false, x, false, y); });
  const int it = m.Add("tile", [&] { tile.Forward(x, y); });
  const int irn = m.Add("tile+rn", [&] { tile_rn.Forward(x, y); });
  const int ifz = m.Add("tile+frozen", [&] { tile_fz.Forward(x, y); });
  const auto before = tile.Events();
  m.Measure();
  const auto after = tile.Events();
  const double reruns = double(after.bound_reruns - before.bound_reruns) / double(after.forward_mvms - before.forward_mvms);

  double t_now = 3600.0;
  bench::Interleaved mr(3, 0.2);
  const int iread = mr.Add("reread", [&] { tile.ReadAt(t_now += 60.0); });
  mr.Measure();
  const double t_read = mr.Seconds(iread).median;
  const double cells = double(tile.devices().size());
  const double t_gemm = m.Seconds(ig).median, t_tile = m.Seconds(it).median, t_tile_rn = m.Seconds(irn).median;

  const double flops = 2.0 * n * n * batch;
  std::printf("crossbar_bench: threads %d, 512x512 weights, batch 64, %s\n", threads, m.Conditions().c_str());
  std::printf("  FP32 GEMM (ParallelGemm)           %8.1f us  %6.1f GFLOP/s\n", t_gemm * 1e6, flops / t_gemm * 1e-9);
  std::printf("  tile forward DAC7/ADC9/noise 0.06  %8.1f us  %6.1f GFLOP/s  rate ratio to GEMM %s"
              "  (bound-management re-runs per sample %.3f)\n",
              t_tile * 1e6, flops / t_tile * 1e-9, bench::FormatRatio(m.Ratio(ig, it), true).c_str(), reruns);
  std::printf("  same + read noise per MVM          %8.1f us  %6.1f GFLOP/s  rate ratio to GEMM %s\n",
              t_tile_rn * 1e6, flops / t_tile_rn * 1e-9, bench::FormatRatio(m.Ratio(ig, irn), true).c_str());
  const double t_tile_fz = m.Seconds(ifz).median;
  std::printf("  same, read noise frozen per read   %8.1f us  %6.1f GFLOP/s  rate ratio to GEMM %s\n",
              t_tile_fz * 1e6, flops / t_tile_fz * 1e-9, bench::FormatRatio(m.Ratio(ig, ifz), true).c_str());
  std::printf("  re-read whole tile (%.0f cells)    %8.1f us  %.3g cells/s\n", cells, t_read * 1e6, cells / t_read);
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 9;
  Run(threads, rounds);
  return 0;
}
