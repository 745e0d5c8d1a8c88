// Device speed harness: reading 1M PCM cells (drift + 1/f read noise) against generating 1M
// normal numbers with the same engine and distribution in the same run (target <= 3x), and
// program-and-verify / statistical programming / SET pulses in cells per second.
// Usage: bench_device [cells=1000000] [reps=9]
#include <boost/random/normal_distribution.hpp>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <utility>
#include <numeric>
#include <vector>

#include "bench_util.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/device/pcm_array.hpp"

using namespace pcmsim;

namespace {

// Interleaved best-of-reps of a baseline and a candidate, so load changes on a shared
// machine hit both alike. Returns {baseline s, candidate s}.
std::pair<double, double> BestPair(const std::function<void()>& base, const std::function<void()>& cand, int reps) {
  double b = 1e300, c = 1e300;
  base();
  cand();
  for (int i = 0; i < reps; ++i) {
    b = std::min(b, bench::BestSeconds(base, 1, 0));
    c = std::min(c, bench::BestSeconds(cand, 1, 0));
  }
  return {b, c};
}

void Run(Index n, int reps, int threads) {
  SetNumThreads(threads);
  const device::PcmParams p = device::ConventionalParams();
  device::PcmArray a(p, n, 1);
  a.ProgramStatistical(ArrayD::LinSpaced(n, 0.0, p.g_max), 0.0);
  ArrayD out(n), normals(n);
  Rng rng = MakeStream(1, "bench_baseline");
  boost::random::normal_distribution<double> normal;
  // Baseline: the normals alone, serial (what one noisy read must draw at least).
  const auto draw = [&] {
    for (Index i = 0; i < n; ++i) normals[i] = normal(rng);
  };
  // First read at a time (computes drift and sigma) vs repeated reads at the same time
  // (cached expected G and sigma). SetTemperature(T_ref) drops the cache without changes.
  const auto [t_normals, t_read] = BestPair(draw, [&] { a.SetTemperature(300.0); a.Read(3600.0, out, true); }, reps);
  a.Read(3600.0, out, true);
  a.Read(3600.0, out, true);  // the second read at one time fills the cache
  const double t_read_again = BestPair(draw, [&] { a.Read(3600.0, out, true); }, reps).second;
  const double t_expect = bench::BestSeconds([&] { a.ExpectedConductance(3600.0, out); }, reps);
  // Cells programmed at different times (every other cell): the per-cell log path.
  device::PcmArray b(p, n, 2);
  b.ProgramStatistical(ArrayD::LinSpaced(n, 0.0, p.g_max), 0.0);
  std::vector<Index> half(static_cast<size_t>(n / 2));
  for (size_t j = 0; j < half.size(); ++j) half[j] = Index(2 * j);
  b.ProgramStatistical(half, std::vector<double>(half.size(), 10e-6), 100.0);
  const double t_read_mixed = BestPair(draw, [&] { b.SetTemperature(300.0); b.Read(3600.0, out, true); }, reps).second;
  std::printf("threads %d, %ld cells\n", threads, static_cast<long>(n));
  std::printf("  1M normals (boost ziggurat, xoshiro256++, serial): %8.2f ms\n", 1e3 * t_normals);
  std::printf("  Read with noise, common t_prog:   %8.2f ms  ratio %.2f x normals\n", 1e3 * t_read, t_read / t_normals);
  std::printf("  Read again at the same time:      %8.2f ms  ratio %.2f x normals\n", 1e3 * t_read_again,
              t_read_again / t_normals);
  std::printf("  Read with noise, mixed t_prog:    %8.2f ms  ratio %.2f x normals\n", 1e3 * t_read_mixed,
              t_read_mixed / t_normals);
  std::printf("  ExpectedConductance (no noise):   %8.2f ms  ratio %.2f x normals\n", 1e3 * t_expect, t_expect / t_normals);
  const ArrayD targets = ArrayD::LinSpaced(n, 0.0, p.g_max);
  double t_now = 1000.0;
  device::ProgramStats st;
  const double t_pv = bench::BestSeconds([&] { st = a.ProgramVerify(targets, t_now += 1.0); }, std::max(1, reps / 2), 0);
  const double t_stat = bench::BestSeconds([&] { a.ProgramStatistical(targets, t_now += 1.0); }, reps);
  std::vector<Index> cells(static_cast<size_t>(n));
  std::iota(cells.begin(), cells.end(), Index(0));
  const std::vector<int> ones(cells.size(), 1);
  const double t_set = bench::BestSeconds([&] { a.ApplySet(cells, ones, t_now += 1.0); }, reps);
  std::printf("  ProgramVerify:      %10.3g cells/s  (%.2f pulses/cell, %.2f s)\n", double(n) / t_pv, st.MeanPulses(), t_pv);
  std::printf("  ProgramStatistical: %10.3g cells/s\n", double(n) / t_stat);
  std::printf("  ApplySet (1 pulse): %10.3g cells/s\n", double(n) / t_set);
}

}  // namespace

int main(int argc, char** argv) {
  const Index n = argc > 1 ? std::atol(argv[1]) : 1000000;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 9;
  Run(n, reps, 1);
  Run(n, reps, 2);  // the 2 cores of the reference machine
  return 0;
}
