// Device speed harness: reading 1M PCM cells (drift + 1/f read noise) against generating 1M
// normal numbers with the same engine and distribution, interleaved in the same run
// (interleave.hpp; target <= 3x), and program-and-verify / statistical programming / SET
// pulses in cells per second (medians of interleaved samples).
// Usage: bench_device [cells=1000000] [reps=9]
#include <boost/random/normal_distribution.hpp>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <utility>
#include <numeric>
#include <vector>

#include "interleave.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/device/pcm_array.hpp"

using namespace pcmsim;

namespace {

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
  // Cells programmed at different times (every other cell): the per-cell log path.
  device::PcmArray b(p, n, 2);
  b.ProgramStatistical(ArrayD::LinSpaced(n, 0.0, p.g_max), 0.0);
  std::vector<Index> half(static_cast<size_t>(n / 2));
  for (size_t j = 0; j < half.size(); ++j) half[j] = Index(2 * j);
  b.ProgramStatistical(half, std::vector<double>(half.size(), 10e-6), 100.0);
  device::PcmArray c(p, n, 3);
  c.ProgramStatistical(ArrayD::LinSpaced(n, 0.0, p.g_max), 0.0);
  c.Read(3600.0, out, true);
  bench::Interleaved m(reps, 0.0);
  const int i_norm = m.Add("normals", draw);
  const int i_read = m.Add("read", [&] { a.SetTemperature(300.0); a.Read(3600.0, out, true); });
  const int i_again = m.Add("read again", [&] { c.Read(3600.0, out, true); });
  const int i_mixed = m.Add("read mixed", [&] { b.SetTemperature(300.0); b.Read(3600.0, out, true); });
  const int i_exp = m.Add("expected", [&] { a.ExpectedConductance(3600.0, out); });
  m.Measure();
  std::printf("threads %d, %ld cells (%s)\n", threads, static_cast<long>(n), m.Conditions().c_str());
  std::printf("  1M normals (boost ziggurat, xoshiro256++, serial): %s\n",
              bench::FormatSeconds(m.Seconds(i_norm), 1e3, "ms").c_str());
  const auto line = [&](const char* what, int id) {
    std::printf("  %-34s %8.2f ms  ratio to normals %s\n", what, 1e3 * m.Seconds(id).median,
                bench::FormatRatio(m.Ratio(id, i_norm)).c_str());
  };
  line("Read with noise, common t_prog:", i_read);
  line("Read again at the same time:", i_again);
  line("Read with noise, mixed t_prog:", i_mixed);
  line("ExpectedConductance (no noise):", i_exp);
  const ArrayD targets = ArrayD::LinSpaced(n, 0.0, p.g_max);
  double t_now = 1000.0;
  device::ProgramStats st;
  std::vector<Index> cells(static_cast<size_t>(n));
  std::iota(cells.begin(), cells.end(), Index(0));
  const std::vector<int> ones(cells.size(), 1);
  bench::Interleaved rates(std::max(3, reps / 2), 0.0);
  const int i_pv = rates.Add("program verify", [&] { st = a.ProgramVerify(targets, t_now += 1.0); });
  const int i_stat = rates.Add("statistical", [&] { a.ProgramStatistical(targets, t_now += 1.0); });
  const int i_set = rates.Add("set", [&] { a.ApplySet(cells, ones, t_now += 1.0); });
  rates.Measure();
  const double t_pv = rates.Seconds(i_pv).median, t_stat = rates.Seconds(i_stat).median,
               t_set = rates.Seconds(i_set).median;
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
