// Device characterisation studies on PcmArray (see characterize.hpp for definitions).
#include "pcmsim/device/characterize.hpp"

#include <algorithm>
#include <boost/random/uniform_01.hpp>
#include <cmath>
#include <numeric>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/validate.hpp"

namespace pcmsim::device {

namespace {

struct MeanStd {
  double mean = 0.0, std = 0.0;
};

MeanStd Moments(const ArrayD& v, Index begin, Index len) {
  const auto s = v.segment(begin, len);
  const double m = s.mean();
  const double var = len > 1 ? (s - m).square().sum() / double(len - 1) : 0.0;
  return {m, std::sqrt(var)};
}

// Cells [l*m, (l+1)*m) hold level l.
ArrayD LevelTargets(const std::vector<double>& levels, Index per_level) {
  ArrayD t(Index(levels.size()) * per_level);
  for (size_t l = 0; l < levels.size(); ++l) t.segment(Index(l) * per_level, per_level).setConstant(levels[l]);
  return t;
}

void PulseResponse(const PcmParams& params, const CharacterizeOptions& o, CharacterizeResult& r) {
  PcmArray a(params, o.pulse_cells, o.seed, /*stream_index=*/10);
  std::vector<Index> cells(static_cast<size_t>(o.pulse_cells));
  std::iota(cells.begin(), cells.end(), Index(0));
  const std::vector<int> ones(cells.size(), 1);
  a.ApplyReset(cells, 0.0);
  ArrayD g;
  for (int k = 0; k <= o.pulses; ++k) {
    if (k > 0) a.ApplySet(cells, ones, 0.0);
    a.ExpectedConductance(0.0, g);
    const MeanStd ms = Moments(g, 0, g.size());
    r.pulse_number.push_back(k);
    r.pulse_mean.push_back(ms.mean);
    r.pulse_std.push_back(ms.std);
  }
}

void Histogram(const ArrayD& g, Index per_level, const CharacterizeOptions& o, double hi, CharacterizeResult& r) {
  r.hist_edges.resize(size_t(o.hist_bins) + 1);
  for (int b = 0; b <= o.hist_bins; ++b) r.hist_edges[size_t(b)] = hi * b / o.hist_bins;
  r.level_hist = MatrixD::Zero(o.levels, o.hist_bins);
  for (int l = 0; l < o.levels; ++l) {
    for (Index j = 0; j < per_level; ++j) {
      const double x = g[Index(l) * per_level + j];
      const int bin = std::clamp(int(x / hi * o.hist_bins), 0, o.hist_bins - 1);
      r.level_hist(l, bin) += 1.0;
    }
  }
}

// Level distributions (statistical and P&V), nu, drift curves and read noise per level.
void LevelStudies(const PcmParams& params, const CharacterizeOptions& o, CharacterizeResult& r) {
  const Index m = o.cells / o.levels;
  PcmArray stat(params, m * o.levels, o.seed, 0), pv(params, m * o.levels, o.seed, 1);
  r.g_lo = stat.g_min();
  r.g_max = stat.g_max();
  for (int l = 0; l < o.levels; ++l) r.level_targets.push_back(r.g_lo + (r.g_max - r.g_lo) * l / (o.levels - 1));
  const ArrayD targets = LevelTargets(r.level_targets, m);
  stat.ProgramStatistical(targets, 0.0);
  r.pv_stats = pv.ProgramVerify(targets, 0.0);
  PcmArray& main = o.program_verify ? pv : stat;
  ArrayD g_stat, g_pv;
  stat.ProgrammedConductance(g_stat);
  pv.ProgrammedConductance(g_pv);
  Histogram(o.program_verify ? g_pv : g_stat, m, o, params.g_clip_max, r);
  for (int l = 0; l < o.levels; ++l) {
    const MeanStd s = Moments(g_stat, Index(l) * m, m), p = Moments(g_pv, Index(l) * m, m);
    const MeanStd nu = Moments(main.nu(), Index(l) * m, m);
    r.stat_mean.push_back(s.mean);
    r.stat_std.push_back(s.std);
    r.pv_mean.push_back(p.mean);
    r.pv_std.push_back(p.std);
    r.nu_mean.push_back(nu.mean);
    r.nu_std.push_back(nu.std);
  }
  ArrayD g1h, g1d;
  main.ExpectedConductance(3600.0, g1h);
  main.ExpectedConductance(86400.0, g1d);
  const double dlt = std::log((86400.0 + params.t0) / (3600.0 + params.t0));
  for (int l = 0; l < o.levels; ++l) {
    double sum = 0.0;
    Index count = 0;
    for (Index i = Index(l) * m; i < Index(l + 1) * m; ++i) {
      if (g1d[i] <= 0.0) continue;  // cells at G = 0 have no defined exponent
      sum += std::log(g1h[i] / g1d[i]) / dlt;
      ++count;
    }
    r.nu_eff.push_back(count ? sum / double(count) : 0.0);
  }
  // Per-level P&V pulses need per-level calls: re-run P&V level by level on a fresh array.
  PcmArray pv_levels(params, m, o.seed, 2);
  for (int l = 0; l < o.levels; ++l) {
    const ProgramStats st = pv_levels.ProgramVerify(ArrayD::Constant(m, r.level_targets[size_t(l)]), 0.0);
    r.pv_mean_pulses.push_back(st.MeanPulses());
    r.pv_converged_fraction.push_back(double(st.converged) / double(st.cells));
  }
  r.drift_times = o.drift_times_s;
  const Index nt = Index(o.drift_times_s.size());
  r.drift_mean.resize(o.levels, nt);
  r.drift_std.resize(o.levels, nt);
  ArrayD read, expected;
  for (Index k = 0; k < nt; ++k) {
    const double t = o.drift_times_s[size_t(k)];
    main.Read(t, read, true);
    main.ExpectedConductance(t, expected);
    const bool t1h = t == 3600.0, t1d = t == 86400.0;
    for (int l = 0; l < o.levels; ++l) {
      const MeanStd ms = Moments(read, Index(l) * m, m);
      r.drift_mean(l, k) = ms.mean;
      r.drift_std(l, k) = ms.std;
      if (t1h || t1d) {
        const ArrayD diff = read.segment(Index(l) * m, m) - expected.segment(Index(l) * m, m);
        (t1h ? r.read_sigma_1h : r.read_sigma_1d).push_back(Moments(diff, 0, m).std);
      }
    }
  }
  // Make sure 1 h and 1 day are reported even when not on the drift grid.
  for (double t : {3600.0, 86400.0}) {
    auto& dst = t == 3600.0 ? r.read_sigma_1h : r.read_sigma_1d;
    if (!dst.empty()) continue;
    main.Read(t, read, true);
    main.ExpectedConductance(t, expected);
    for (int l = 0; l < o.levels; ++l) {
      const ArrayD diff = read.segment(Index(l) * m, m) - expected.segment(Index(l) * m, m);
      dst.push_back(Moments(diff, 0, m).std);
    }
  }
}

// Bits of an ideal uniform quantiser with this rms error over `range`, capped at the 53-bit
// mantissa of a double (an ideal device has zero error).
double Bits(double range, double rms) {
  return std::min(53.0, std::log2(range / (std::sqrt(12.0) * rms)));
}

}  // namespace

std::vector<double> CharacterizeOptions::DefaultDriftTimes() {
  std::vector<double> t;
  const double t_end = 365.0 * 86400.0;
  for (int k = 0; k <= 40; ++k) t.push_back(std::pow(t_end, k / 40.0));
  t.push_back(3600.0);
  t.push_back(86400.0);
  std::sort(t.begin(), t.end());
  return t;
}

void CharacterizeOptions::Validate() const {
  Require(levels >= 2, "--levels", levels, "must be >= 2");
  Require(cells >= levels, "--cells", cells, "must be >= --levels");
  Require(pulses >= 1, "pulses", pulses, "must be >= 1");
  Require(pulse_cells >= 1, "pulse_cells", pulse_cells, "must be >= 1");
  Require(hist_bins >= 1, "hist_bins", hist_bins, "must be >= 1");
  for (double t : drift_times_s) Require(t >= 0.0 && std::isfinite(t), "drift_times_s", t, "must be >= 0");
  for (double t : precision_times_s) Require(t >= 0.0 && std::isfinite(t), "precision_times_s", t, "must be >= 0");
}

void MeasurePrecision(const PcmParams& params, const CharacterizeOptions& o, CharacterizeResult& r) {
  PcmArray a(params, o.cells, o.seed, 3);
  const double lo = a.g_min(), hi = a.g_max();
  ArrayD targets(o.cells);
  Rng rng = MakeStream(o.seed, "precision_targets", 0);
  boost::random::uniform_01<double> u;
  for (Index i = 0; i < o.cells; ++i) targets[i] = lo + (hi - lo) * u(rng);
  if (o.program_verify) a.ProgramVerify(targets, 0.0);
  else a.ProgramStatistical(targets, 0.0);
  ArrayD read, calib;
  r.precision_times = o.precision_times_s;
  r.effective_bits.clear();
  r.effective_bits_uncompensated.clear();
  r.rms_error.clear();
  const double range = hi - lo;
  for (double t : o.precision_times_s) {
    a.Read(t, calib, true);
    a.Read(t, read, true);
    const double alpha = targets.mean() / calib.mean();
    const double rms = std::sqrt((alpha * read - targets).square().mean());
    const double rms_raw = std::sqrt((read - targets).square().mean());
    r.rms_error.push_back(rms);
    r.effective_bits.push_back(Bits(range, rms));
    r.effective_bits_uncompensated.push_back(Bits(range, rms_raw));
  }
}

CharacterizeResult Characterize(const PcmParams& params, const CharacterizeOptions& options) {
  params.Validate();
  options.Validate();
  CharacterizeResult r;
  r.device_name = params.name;
  PulseResponse(params, options, r);
  LevelStudies(params, options, r);
  MeasurePrecision(params, options, r);
  return r;
}

}  // namespace pcmsim::device
