// Fitting a table device from traces (device/trace.hpp), and the per-bin statistics the fit
// is made of, so a model can be compared with the measurement bin by bin.
//
// Statistics, each in equal-count bins of a conductance variable (bin x = mean of the
// variable in the bin):
//   read_std      repeated reads at one time: x = a device's mean, y = sqrt(mean sample variance)
//   program_std   program rows: x = target, y = sqrt(var(read - target) - read variance), the
//                 read variance that of the pulse readings (read right after an event too)
//   nu_mean/std   per device: G = A (1 + t/t0)^-nu by least squares in linear space over the
//                 program read and every later read (t0: the best of a log grid, shared);
//                 x = program read; nu_std = sqrt(var(nu) - mean estimation variance)
//   pulse_read_std  pulses read more than once: x = mean of a pulse's readings, y = sqrt(mean
//                 sample variance) (read noise in the state and at the time of the pulse
//                 readings; the repeated-read curve stands for it when pulses are read once)
//   set_mean/std  the (mean) readings after consecutive pulses around one SET: y = mean step /
//                 sqrt(var(step) - read variance of both readings), binned by the reading two pulses
//                 back (independent read noise: no regression to the mean), x = mean reading
//                 before the step; the first SET after a RESET has no such reading and is skipped
//   reset_mean/std reading after a RESET vs the reading before (the repeated reads' mean for
//                 the first RESET); std with the read variance removed
// Read noise is removed in quadrature; variances that would fall below 0 are 0.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "pcmsim/device/table_device.hpp"
#include "pcmsim/device/trace.hpp"

namespace pcmsim::device {

struct FitOptions {
  int bins = 8;                 // per statistic, >= 1
  int min_points_per_bin = 20;  // >= 2
  std::string source;           // written into each table's provenance
  void Validate() const;
};

// One statistic: bin edges (bins + 1, along x), bin means of x, the statistic, points per
// bin, and the sample std of the raw samples in each bin (so a mean's standard error is
// sd / sqrt(count), a std's about sd / sqrt(2 count)).
struct BinnedStat {
  std::string name;
  std::vector<double> edges, x, y, sd;
  std::vector<int> count;
};

struct TraceAnalysis {
  Index devices = 0;
  double t0 = 20.0;     // s, the drift reference time the nu statistics use
  double g_min = 0, g_max = 0, g_clip_max = 0;  // S: lowest / highest target, max(g_max, highest repeated-read mean)
  std::vector<BinnedStat> stats;  // read_std, program_std, nu_mean, nu_std, [pulse_read_std,] set_mean, set_std, reset_mean, reset_std
  bool Has(const std::string& name) const;
  const BinnedStat& Get(const std::string& name) const;
};

// With `like` null the bins are equal-count bins of these traces (and t0 is fitted); else the
// bin edges and t0 of `like` are reused, so two trace sets compare bin by bin. ConfigError
// (naming the statistic and the bin) for one device only or too few points in a bin.
TraceAnalysis AnalyseTraces(std::span<const TraceRow> rows, const FitOptions& o, const TraceAnalysis* like = nullptr);
// The table device whose tables are the analysis' statistics (knots at the bin x).
TableDevice TableFromAnalysis(const TraceAnalysis& a, const std::string& name, const std::string& source);

}  // namespace pcmsim::device
