// The fit round trip: traces measured from the PCM presets (1000 devices, read noise on
// every reading) are fitted into table devices, and the fitted tables recover the presets'
// own statistics bin by bin: SET step mean and spread (the preset's pulse law at the bin),
// drift exponent (mean of the cells' own nu over the bin's devices) and read noise (rms of
// the cells' own read-noise std at the repeated-read time). Tolerance per bin: 5 % of the
// true value or 3 standard errors of the bin's estimate, whichever is larger (a mean step
// near saturation is ~0, where 5 % is below what 3500 noisy steps can resolve; plain 5 % with
// repeated shorter trains: table_fit_slow_test.cpp). Then the
// fitted device's own traces reproduce the measured statistics bin by bin (the report's
// comparison): 5 % or 4 standard errors of the difference of two estimates (sqrt 2 x the
// se; the fourth sigma for the discretisation of the model into a piecewise-linear table).
#include "pcmsim/device/trace_fit.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>

#include "pcmsim/core/error.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "pcmsim/experiment/options_load.hpp"
#include "test_util.hpp"

namespace pcmsim::device {
namespace {

struct Truth {
  std::map<Index, double> nu, read_sigma, g_prog, repeat_mean;
};

// The cells' own nu and read-noise std, from an array in the state the protocol leaves after
// programming (same model, seed and targets as GenerateTraces).
Truth CellTruth(const PcmParams& p, const TraceOptions& o, const std::vector<TraceRow>& rows) {
  Truth t;
  auto a = p.MakeArray(o.devices, o.seed, 0);
  std::vector<Index> all(static_cast<size_t>(o.devices));
  std::iota(all.begin(), all.end(), Index{0});
  std::vector<double> targets;
  for (Index d = 0; d < o.devices; ++d) targets.push_back(a->g_min() + (a->g_max() - a->g_min()) * double(d) / double(o.devices - 1));
  a->ProgramStatistical(all, targets, 0.0);
  ArrayD sigma;
  a->ReadNoiseStd(o.repeat_time_s, sigma);
  std::map<Index, std::pair<double, int>> rep;
  for (const TraceRow& r : rows) {
    if (r.kind == TraceKind::kProgram) t.g_prog[r.device] = r.g;
    if (r.kind == TraceKind::kRead && r.time_s == o.repeat_time_s) {
      rep[r.device].first += r.g;
      ++rep[r.device].second;
    }
  }
  for (Index d = 0; d < o.devices; ++d) {
    const Index one[] = {d};
    t.nu[d] = a->MaxDriftRate(one);
    t.read_sigma[d] = sigma[d];
    t.repeat_mean[d] = rep[d].first / rep[d].second;
  }
  return t;
}

size_t BinOf(const BinnedStat& b, double x) {
  size_t k = 0;
  while (k + 2 < b.edges.size() && x >= b.edges[k + 1]) ++k;
  return k;
}

// |fit - truth| <= max(5 % |truth|, 3 se); prints the relative error of every bin.
void ExpectClose(const std::string& what, size_t bin, double fit, double truth, double se, double sigmas = 3.0) {
  EXPECT_LE(std::abs(fit - truth), std::max(0.05 * std::abs(truth), sigmas * se))
      << what << " bin " << bin + 1 << ": fitted " << fit << ", true " << truth << ", se " << se;
  std::printf("  %-28s bin %zu  fitted %-12.5g true %-12.5g rel %+.3f  se/true %.3f\n", what.c_str(), bin + 1, fit,
              truth, truth != 0 ? (fit - truth) / std::abs(truth) : 0.0, truth != 0 ? se / std::abs(truth) : 0.0);
}

// Standard errors of a bin's estimate from n samples: a mean with spread sd, a std.
double SeMean(double sd, int n) { return sd / std::sqrt(double(n)); }
double SeStd(double sd, int n) { return sd / std::sqrt(2.0 * n); }

void RoundTrip(const std::string& preset) {
  const PcmParams p = experiment::LoadPcmParamsFile(testing::SourceDir() / "devices" / (preset + ".toml"));
  TraceOptions o;
  o.devices = 1000;
  o.seed = 11;
  const std::vector<TraceRow> rows = GenerateTraces(p, o);
  FitOptions f;
  const TraceAnalysis a = AnalyseTraces(rows, f);
  const TableDevice fitted = TableFromAnalysis(a, preset + "_fitted", "test");
  const Truth t = CellTruth(p, o, rows);

  // Drift exponent: mean and device-to-device std of the cells' own nu per bin of program read.
  const BinnedStat& nm = a.Get("nu_mean");
  const BinnedStat& ns = a.Get("nu_std");
  std::vector<double> s(nm.x.size()), ss(nm.x.size()), n(nm.x.size());
  for (const auto& [d, g] : t.g_prog) {
    const size_t k = BinOf(nm, g);
    s[k] += t.nu.at(d);
    ss[k] += t.nu.at(d) * t.nu.at(d);
    n[k] += 1;
  }
  for (size_t k = 0; k < nm.x.size(); ++k) {
    const double mean = s[k] / n[k], sd = std::sqrt(std::max(0.0, ss[k] / n[k] - mean * mean));
    // se: from the spread of the fitted nu (true spread and estimation noise) in the bin. A
    // std left after removing the estimation variance resolves no better than
    // spread (2/n)^(1/4) when the true std is ~0 (pcm_training: nu_std = 0).
    ExpectClose(preset + " nu_mean", k, nm.y[k], mean, SeMean(nm.sd[k], nm.count[k]));
    ExpectClose(preset + " nu_std", k, ns.y[k], sd, ns.sd[k] * std::pow(2.0 / ns.count[k], 0.25));
  }
  // Read noise at the repeated-read time: rms of the cells' std per bin of their mean reading.
  const BinnedStat& rs = a.Get("read_std");
  std::vector<double> v(rs.x.size()), m(rs.x.size());
  for (const auto& [d, g] : t.repeat_mean) {
    const size_t k = BinOf(rs, g);
    v[k] += t.read_sigma.at(d) * t.read_sigma.at(d);
    m[k] += 1;
  }
  for (size_t k = 0; k < rs.x.size(); ++k) {
    // se: a pooled std over count x (repeats - 1) degrees of freedom.
    ExpectClose(preset + " read_std", k, rs.y[k], std::sqrt(v[k] / m[k]), SeStd(rs.y[k], rs.count[k] * (o.repeat_reads - 1)));
  }
  // SET step: the preset's law mu = slope G + offset, sd = sd_slope G + sd_offset at the bin.
  // The lowest bin starts at the RESET level, where G is clipped at g_min: skipped.
  const BinnedStat& sm = a.Get("set_mean");
  const BinnedStat& sd = a.Get("set_std");
  for (size_t k = 1; k < sm.x.size(); ++k) {
    const double g = sm.x[k];
    ExpectClose(preset + " set_mean", k, sm.y[k], p.set_dg_slope * g + p.set_dg_offset, SeMean(sm.sd[k], sm.count[k]));
    ExpectClose(preset + " set_std", k, sd.y[k], p.set_sd_slope * g + p.set_sd_offset, SeStd(sd.sd[k], sd.count[k]));
  }

  // The fitted device measured with the same protocol (another seed) gives the same
  // statistics in the same bins.
  TraceOptions o2 = o;
  o2.seed = 12;
  const std::vector<TraceRow> again = GenerateTraces(fitted, o2);
  const TraceAnalysis b = AnalyseTraces(again, f, &a);
  for (const char* stat : {"read_std", "nu_mean", "set_mean", "set_std"}) {
    const BinnedStat& x = a.Get(stat);
    const BinnedStat& y = b.Get(stat);
    const bool is_std = std::string(stat) == "read_std" || std::string(stat) == "set_std";
    for (size_t k = (std::string(stat).rfind("set", 0) == 0 ? 1 : 0); k < x.y.size(); ++k) {
      const double se = std::string(stat) == "read_std" ? SeStd(x.y[k], x.count[k] * (o.repeat_reads - 1))
                        : is_std                        ? SeStd(x.sd[k], x.count[k])
                                                        : SeMean(x.sd[k], x.count[k]);
      // Two estimates (sqrt 2 x se) and the table's piecewise-linear shape: 4 se.
      ExpectClose(preset + " refit " + stat, k, y.y[k], x.y[k], std::sqrt(2.0) * se, 4.0);
    }
  }
}

TEST(TableFitTest, RecoversPcmTraining) { RoundTrip("pcm_training"); }
TEST(TableFitTest, RecoversPcmConventional) { RoundTrip("pcm_conventional"); }

TEST(TableFitTest, OneDeviceOrTooFewPointsAreErrors) {
  const PcmParams p = ConventionalParams();
  TraceOptions o;
  o.devices = 2;
  std::vector<TraceRow> rows = GenerateTraces(p, o);
  PCMSIM_EXPECT_THROW_MSG(AnalyseTraces(rows, FitOptions{}), ConfigError, "too few points per bin");
  std::erase_if(rows, [](const TraceRow& r) { return r.device != 0; });
  PCMSIM_EXPECT_THROW_MSG(AnalyseTraces(rows, FitOptions{}), ConfigError, "1 device(s)");
}

// A protocol of more readings than TraceOptions::kMaxRows is refused before anything is
// allocated (before: 2 devices x 1e9 SET pulses grew the rows past 4 GB until killed;
// `fit-device` on a trace naming SET pulse 2147483647 used 12 GB).
TEST(TableFitTest, ProtocolOfTooManyReadingsIsRefused) {
  TraceOptions o;
  o.devices = 2;
  o.set_pulses = 1000000000;
  EXPECT_GT(o.Rows(), TraceOptions::kMaxRows);
  PCMSIM_EXPECT_THROW_MSG(GenerateTraces(ConventionalParams(), o), ConfigError, "devices = 2", "1 x 1000000000 SET pulses",
                          "readings, more than");
  o.set_pulses = 30;
  o.set_trains = 2147483647;  // set_trains + 1 would overflow int
  PCMSIM_EXPECT_THROW_MSG(GenerateTraces(ConventionalParams(), o), ConfigError, "readings, more than");
  o.set_trains = 1;
  o.devices = 1000000000000;
  PCMSIM_EXPECT_THROW_MSG(GenerateTraces(ConventionalParams(), o), ConfigError, "devices = 1000000000000");
  // The default protocol: 1 program + 9 drift + 16 repeated reads + 2 x (1 x 31 + 1) pulse reads.
  o.devices = 20;
  EXPECT_EQ(o.Rows(), 20.0 * 90);
  EXPECT_EQ(GenerateTraces(ConventionalParams(), o).size(), size_t(20 * 90));
}

}  // namespace
}  // namespace pcmsim::device
