// Per-bin statistics of traces and the table device made of them.
#include "pcmsim/device/trace_fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/validate.hpp"

namespace pcmsim::device {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct DeviceTrace {
  double target = -1, g_prog = kNaN;
  std::map<double, std::vector<double>> reads;  // time since programming -> readings
  struct Pulse {
    Polarity polarity;
    int number;
    std::vector<double> reads;  // the readings after it
  };
  std::vector<Pulse> pulses;  // in file order; consecutive rows of one pulse are its readings
};

// Samples (x, y) of one statistic before binning.
struct Samples {
  std::vector<double> key, x, y, w;  // binned by key; w: a per-sample correction (a variance)
  void Add(double xv, double yv, double wv = 0) { Add(xv, yv, wv, xv); }
  void Add(double xv, double yv, double wv, double kv) {
    key.push_back(kv);
    x.push_back(xv);
    y.push_back(yv);
    w.push_back(wv);
  }
};

std::vector<double> EqualCountEdges(std::vector<double> x, const std::string& name, const FitOptions& o) {
  std::sort(x.begin(), x.end());
  const size_t n = x.size();
  const size_t min_pts = size_t(o.min_points_per_bin);
  const size_t bins = std::min<size_t>(size_t(o.bins), n / min_pts);
  if (bins == 0) {
    throw ConfigError(StrCat(name, ": too few points per bin (", n, " in all, at least ", min_pts,
                             " per bin needed)"));
  }
  std::vector<double> e{x.front()};
  for (size_t k = 1; k < bins; ++k) e.push_back(x[k * n / bins]);
  e.push_back(x.back());
  for (size_t k = 1; k < e.size(); ++k) {
    if (!(e[k] > e[k - 1])) {
      throw ConfigError(StrCat(name, ": too few distinct values to form ", bins, " bins (bin ", k,
                               " would be empty)"));
    }
  }
  return e;
}

size_t BinOf(const std::vector<double>& edges, double x) {
  const size_t bins = edges.size() - 1;
  const size_t k = size_t(std::upper_bound(edges.begin() + 1, edges.end() - 1, x) - (edges.begin() + 1));
  return std::min(k, bins - 1);
}

// How the samples of a bin reduce to its value.
enum class Reduce {
  kMean,           // mean(y)
  kRmsOfW,         // sqrt(mean(w)) (w = per-device variance)
  kStdMinusW,      // sqrt(max(0, var(y) - mean(w)))
};

BinnedStat Bin(const std::string& name, const Samples& s, Reduce how, const FitOptions& o, const TraceAnalysis* like) {
  BinnedStat b;
  b.name = name;
  if (like != nullptr) {
    b.edges = like->Get(name).edges;
  } else {
    b.edges = EqualCountEdges(s.key, name, o);
  }
  const size_t bins = b.edges.size() - 1;
  std::vector<double> sx(bins, 0), sy(bins, 0), syy(bins, 0), sw(bins, 0);
  b.count.assign(bins, 0);
  for (size_t i = 0; i < s.x.size(); ++i) {
    const size_t k = BinOf(b.edges, s.key[i]);
    sx[k] += s.x[i];
    sy[k] += s.y[i];
    syy[k] += s.y[i] * s.y[i];
    sw[k] += s.w[i];
    ++b.count[k];
  }
  for (size_t k = 0; k < bins; ++k) {
    const double n = b.count[k];
    if (like == nullptr && b.count[k] < o.min_points_per_bin) {
      throw ConfigError(StrCat(name, ": too few points per bin (bin ", k + 1, " of ", bins, " holds ", b.count[k],
                               ", at least ", o.min_points_per_bin, " needed)"));
    }
    if (b.count[k] < 2) {
      b.x.push_back(kNaN);
      b.y.push_back(kNaN);
      b.sd.push_back(kNaN);
      continue;
    }
    const double mean = sy[k] / n;
    const double var = std::max(0.0, (syy[k] - n * mean * mean) / (n - 1));
    b.x.push_back(sx[k] / n);
    b.sd.push_back(std::sqrt(var));
    switch (how) {
      case Reduce::kMean: b.y.push_back(mean); break;
      case Reduce::kRmsOfW: b.y.push_back(std::sqrt(sw[k] / n)); break;
      case Reduce::kStdMinusW: b.y.push_back(std::sqrt(std::max(0.0, var - sw[k] / n))); break;
    }
  }
  return b;
}

// The table of a statistic: knots at the bin x, plus the outer bin edges with values
// extrapolated linearly from the two nearest knots (so the table spans every observed
// conductance; clipped at 0 for non-negative statistics); constant beyond them.
PiecewiseLinear Curve(const BinnedStat& b, bool non_negative) {
  PiecewiseLinear p;
  for (size_t k = 0; k < b.x.size(); ++k) {
    if (std::isnan(b.x[k]) || std::isnan(b.y[k])) continue;
    if (!p.x.empty() && !(b.x[k] > p.x.back())) continue;
    p.x.push_back(b.x[k]);
    p.y.push_back(b.y[k]);
  }
  if (p.x.empty()) return PiecewiseLinear::Constant(0.0);
  if (p.x.size() >= 2) {
    auto line = [&](size_t i, size_t j, double at) {
      const double v = p.y[i] + (p.y[j] - p.y[i]) * (at - p.x[i]) / (p.x[j] - p.x[i]);
      return non_negative ? std::max(0.0, v) : v;
    };
    const size_t n = p.x.size();
    const double lo = b.edges.front(), hi = b.edges.back();
    if (hi > p.x.back()) {
      p.y.push_back(line(n - 2, n - 1, hi));
      p.x.push_back(hi);
    }
    if (lo < p.x.front()) {
      p.y.insert(p.y.begin(), line(0, 1, lo));
      p.x.insert(p.x.begin(), lo);
    }
  }
  return p;
}

// The minimiser of a unimodal f on [lo, hi] by golden-section search.
template <typename F>
double GoldenMin(F&& f, double lo, double hi, int iterations) {
  const double phi = 0.5 * (std::sqrt(5.0) - 1.0);
  double x1 = hi - phi * (hi - lo), x2 = lo + phi * (hi - lo), f1 = f(x1), f2 = f(x2);
  for (int it = 0; it < iterations; ++it) {
    if (f1 < f2) {
      hi = x2, x2 = x1, f2 = f1, x1 = hi - phi * (hi - lo), f1 = f(x1);
    } else {
      lo = x1, x1 = x2, f1 = f2, x2 = lo + phi * (hi - lo), f2 = f(x2);
    }
  }
  return 0.5 * (lo + hi);
}

// One device's drift series g_i at f_i = 1 + t_i/t0: least squares of g = A f^-nu in linear
// space (no log of noisy readings, which would bias nu where read noise is a large part of
// G): A in closed form for each nu, nu by golden-section search on [-0.5, 1]. Returns nu,
// its estimation variance (Gauss-Newton: s^2 [J'J]^-1) and the residual sum of squares.
struct DriftFit {
  double nu = 0, nu_var = 0, ssr = 0;
};
DriftFit FitDrift(const std::vector<double>& f, const std::vector<double>& g) {
  auto eval = [&](double nu, double* amp) {
    double sxy = 0, sxx = 0;
    for (size_t i = 0; i < f.size(); ++i) {
      const double b = std::pow(f[i], -nu);
      sxy += b * g[i];
      sxx += b * b;
    }
    const double a = sxy / sxx;
    double ssr = 0;
    for (size_t i = 0; i < f.size(); ++i) {
      const double r = g[i] - a * std::pow(f[i], -nu);
      ssr += r * r;
    }
    if (amp != nullptr) *amp = a;
    return ssr;
  };
  DriftFit d;
  d.nu = GoldenMin([&](double nu) { return eval(nu, nullptr); }, -0.5, 1.0, 50);
  double a = 0;
  d.ssr = eval(d.nu, &a);
  double jaa = 0, jan = 0, jnn = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    const double b = std::pow(f[i], -d.nu);
    const double ja = b, jn = -a * b * std::log(f[i]);
    jaa += ja * ja;
    jan += ja * jn;
    jnn += jn * jn;
  }
  const double det = jaa * jnn - jan * jan;
  const double s2 = f.size() > 2 ? d.ssr / double(f.size() - 2) : 0.0;
  d.nu_var = det > 0 ? s2 * jaa / det : 0.0;
  return d;
}

}  // namespace

void FitOptions::Validate() const {
  Require(bins >= 1, "bins", bins, "must be >= 1");
  Require(min_points_per_bin >= 2, "min_points_per_bin", min_points_per_bin, "must be >= 2");
}

bool TraceAnalysis::Has(const std::string& name) const {
  for (const auto& s : stats) {
    if (s.name == name) return true;
  }
  return false;
}

const BinnedStat& TraceAnalysis::Get(const std::string& name) const {
  for (const auto& s : stats) {
    if (s.name == name) return s;
  }
  throw Error(StrCat("trace analysis has no statistic '", name, "'"));
}

TraceAnalysis AnalyseTraces(std::span<const TraceRow> rows, const FitOptions& o, const TraceAnalysis* like) {
  o.Validate();
  std::map<Index, DeviceTrace> dev;
  TraceAnalysis a;
  a.g_min = std::numeric_limits<double>::infinity();
  a.g_max = 0;
  for (const TraceRow& r : rows) {
    DeviceTrace& d = dev[r.device];
    if (r.kind == TraceKind::kProgram) {
      d.target = r.target;
      d.g_prog = r.g;
      a.g_min = std::min(a.g_min, r.target);
      a.g_max = std::max(a.g_max, r.target);
    } else if (r.kind == TraceKind::kRead) {
      d.reads[r.time_s].push_back(r.g);
    } else if (!d.pulses.empty() && d.pulses.back().polarity == r.polarity && d.pulses.back().number == r.pulse) {
      d.pulses.back().reads.push_back(r.g);
    } else {
      d.pulses.push_back({r.polarity, r.pulse, {r.g}});
    }
  }
  a.devices = Index(dev.size());
  if (dev.size() < 2) throw ConfigError(StrCat("the traces hold ", dev.size(), " device(s); a fit needs at least 2"));
  if (!(a.g_max > a.g_min)) throw ConfigError("the traces need program rows with at least two distinct targets");

  // Read noise from the largest group of repeated reads of each device.
  Samples rs;
  std::map<Index, double> repeat_mean;
  for (const auto& [id, d] : dev) {
    const std::vector<double>* best = nullptr;
    for (const auto& [t, g] : d.reads) {
      if (g.size() >= 2 && (best == nullptr || g.size() > best->size())) best = &g;
    }
    if (best == nullptr) continue;
    double m = 0, v = 0;
    for (double g : *best) m += g;
    m /= double(best->size());
    for (double g : *best) v += (g - m) * (g - m);
    rs.Add(m, 0, v / double(best->size() - 1));
    repeat_mean[id] = m;
    a.g_clip_max = std::max(a.g_clip_max, m);
  }
  a.stats.push_back(Bin("read_std", rs, Reduce::kRmsOfW, o, like));
  const PiecewiseLinear read_std = Curve(a.stats.back(), true);

  // Drift: per device G over 1 + t/t0 (FitDrift), t0 shared: the t0 of a log grid with the
  // least total squared residual, each device's residuals in units of its read noise.
  auto drift_fits = [&](double t0, double* total_ssr) {
    std::vector<std::pair<double, DriftFit>> fits;  // (program read, fit)
    double ssr = 0;
    for (const auto& [id, d] : dev) {
      if (std::isnan(d.g_prog) || d.g_prog <= 0) continue;
      std::vector<double> f{1.0}, g{d.g_prog};
      for (const auto& [t, reads] : d.reads) {
        for (double v : reads) {
          f.push_back(1.0 + t / t0);
          g.push_back(v);
        }
      }
      if (f.size() < 3) continue;
      const DriftFit fit = FitDrift(f, g);
      const double sigma = read_std(d.g_prog);
      ssr += sigma > 0 ? fit.ssr / (sigma * sigma) : fit.ssr;
      fits.emplace_back(d.g_prog, fit);
    }
    if (total_ssr != nullptr) *total_ssr = ssr;
    return fits;
  };
  if (like != nullptr) {
    a.t0 = like->t0;
  } else {
    // Coarse grid of half decades over 0.1 s .. 1000 s, then golden section around the best.
    auto cost = [&](double log_t0) {
      double ssr = 0;
      drift_fits(std::pow(10.0, log_t0), &ssr);
      return ssr;
    };
    double best = std::numeric_limits<double>::infinity(), at = 0;
    for (int k = 0; k <= 8; ++k) {
      const double c = cost(-1.0 + 0.5 * k);
      if (c < best) {
        best = c;
        at = -1.0 + 0.5 * k;
      }
    }
    a.t0 = std::pow(10.0, GoldenMin(cost, std::max(-1.0, at - 0.5), std::min(3.0, at + 0.5), 14));
  }
  Samples nu;
  for (const auto& [g, fit] : drift_fits(a.t0, nullptr)) nu.Add(g, fit.nu, fit.nu_var);
  a.stats.push_back(Bin("nu_mean", nu, Reduce::kMean, o, like));
  a.stats.push_back(Bin("nu_std", nu, Reduce::kStdMinusW, o, like));

  // Read noise right after pulses (the state and time of the pulse readings), from pulses
  // read more than once; without such readings the repeated-read curve stands for it.
  Samples pr;
  for (const auto& [id, d] : dev) {
    for (const auto& p : d.pulses) {
      if (p.reads.size() < 2) continue;
      double m = 0, v = 0;
      for (double g : p.reads) m += g;
      m /= double(p.reads.size());
      for (double g : p.reads) v += (g - m) * (g - m);
      pr.Add(m, 0, v / double(p.reads.size() - 1));
    }
  }
  PiecewiseLinear pulse_read_std = read_std;
  if (!pr.x.empty() && (like == nullptr || like->Has("pulse_read_std"))) {
    a.stats.push_back(Bin("pulse_read_std", pr, Reduce::kRmsOfW, o, like));
    pulse_read_std = Curve(a.stats.back(), true);
  }
  // Variance of the mean of m readings at g.
  auto pv = [&](double g, size_t m) { return pulse_read_std(g) * pulse_read_std(g) / double(m); };

  // The program read is taken right after programming, like the pulse readings.
  Samples ps;
  for (const auto& [id, d] : dev) {
    if (d.target >= 0 && !std::isnan(d.g_prog)) ps.Add(d.target, d.g_prog - d.target, pv(d.g_prog, 1));
  }
  a.stats.push_back(Bin("program_std", ps, Reduce::kStdMinusW, o, like));


  // SET steps are binned by the reading two pulses back (an instrument): binning by the
  // reading just before the step would correlate its read noise with the step (regression
  // to the mean). The bin x is then the mean of the readings just before the steps.
  Samples set, reset;
  for (const auto& [id, d] : dev) {
    const auto rm = repeat_mean.find(id);
    double before = rm == repeat_mean.end() ? kNaN : rm->second, two_back = kNaN, before_var = 0;
    for (const auto& p : d.pulses) {
      double g = 0;
      for (double v : p.reads) g += v;
      g /= double(p.reads.size());
      const double var = pv(g, p.reads.size());
      if (p.polarity == Polarity::kSet && !std::isnan(two_back)) set.Add(before, g - before, before_var + var, two_back);
      if (p.polarity == Polarity::kReset && !std::isnan(before)) reset.Add(before, g, var);
      two_back = p.polarity == Polarity::kReset ? kNaN : before;
      before = g;
      before_var = var;
    }
  }
  a.stats.push_back(Bin("set_mean", set, Reduce::kMean, o, like));
  a.stats.push_back(Bin("set_std", set, Reduce::kStdMinusW, o, like));
  a.stats.push_back(Bin("reset_mean", reset, Reduce::kMean, o, like));
  a.stats.push_back(Bin("reset_std", reset, Reduce::kStdMinusW, o, like));
  a.g_clip_max = std::max(a.g_clip_max, a.g_max);
  return a;
}

TableDevice TableFromAnalysis(const TraceAnalysis& a, const std::string& name, const std::string& source) {
  TableDevice d;
  d.name = name;
  d.g_min = a.g_min;
  d.g_max = a.g_max;
  d.g_clip_max = a.g_clip_max;
  d.t0 = a.t0;
  const std::string src = StrCat("fitted from ", source, ", ", a.devices, " devices");
  for (const TableField& f : TableFields()) {
    // Mean statistics may be negative (SET steps past saturation) or not (nu: clamped in the model).
    d.*f.table = Curve(a.Get(f.statistic), f.non_negative);
    (d.*f.table).source = src;
  }
  d.Validate();
  return d;
}

}  // namespace pcmsim::device
