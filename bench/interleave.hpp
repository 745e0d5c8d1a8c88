// Interleaved measurement for the bench/ harnesses: every ratio they print comes from here.
//
// The machine this runs on is shared (other builds, other jobs) and its speed drifts by 2x
// within minutes, so a baseline measured once before or after the candidate can make a
// ratio say anything. Instead the harness registers all sides of a comparison and Measure()
// runs them round-robin, ABAB... (one sample of each per round, `rounds` rounds), so every
// round sees both sides under the same load. Each sample repeats its callable until it has
// run at least `min_sample_seconds` (short kernels) and records seconds per call.
//
// Figures: the median of each side's samples, and for a ratio A/B the median of the paired
// per-round ratios A_r / B_r. Its spread is the larger distance of the paired ratios' lower
// and upper quartiles from that median, relative to it (a robust half-width: one unlucky
// round cannot move it, a machine that changes speed within rounds does). A ratio whose
// spread is wider than +-10 % is printed as "unreliable (spread ...)" with no figure.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace pcmsim::bench {

// Load average over the last minute (from /proc/loadavg; -1 if unreadable), printed beside
// every figure so a reader can tell a quiet machine from a busy one.
inline double LoadAverage() {
  std::ifstream f("/proc/loadavg");
  double l = -1.0;
  if (!(f >> l)) return -1.0;
  return l;
}

// q-quantile (0..1) of v by linear interpolation between order statistics.
inline double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  const double f = pos - static_cast<double>(lo);
  return v[lo] * (1.0 - f) + v[hi] * f;
}

// A figure from repeated samples: median and relative half-width (see the file comment).
struct Estimate {
  double median = 0.0;
  double spread = 0.0;  // relative, 0.05 = +-5 %
  static Estimate Of(const std::vector<double>& v) {
    Estimate e;
    e.median = Quantile(v, 0.5);
    const double q1 = Quantile(v, 0.25), q3 = Quantile(v, 0.75);
    e.spread = e.median != 0.0 ? std::max(e.median - q1, q3 - e.median) / std::fabs(e.median) : 0.0;
    return e;
  }
};

// Spreads wider than this make a ratio "unreliable".
constexpr double kMaxSpread = 0.10;

class Interleaved {
 public:
  // rounds >= 3 (5+ recommended); min_sample_seconds: repeat short callables up to this.
  explicit Interleaved(int rounds = 7, double min_sample_seconds = 0.0)
      : rounds_(std::max(3, rounds)), min_sample_(min_sample_seconds) {}

  // Registers one side; returns its id for Seconds() / Ratio().
  int Add(std::string name, std::function<void()> fn) {
    names_.push_back(std::move(name));
    fns_.push_back(std::move(fn));
    return static_cast<int>(fns_.size()) - 1;
  }

  // One warm-up call of each, then `rounds` rounds of one sample of each in turn.
  void Measure() {
    load_before_ = LoadAverage();
    samples_.assign(fns_.size(), {});
    for (auto& fn : fns_) fn();
    for (int r = 0; r < rounds_; ++r) {
      for (std::size_t i = 0; i < fns_.size(); ++i) samples_[i].push_back(Sample(fns_[i]));
    }
    load_after_ = LoadAverage();
  }

  // Seconds per call of side i (median and spread of its samples).
  Estimate Seconds(int i) const { return Estimate::Of(samples_.at(static_cast<std::size_t>(i))); }
  // Time ratio a / b from the paired per-round ratios.
  Estimate Ratio(int a, int b) const {
    const auto& sa = samples_.at(static_cast<std::size_t>(a));
    const auto& sb = samples_.at(static_cast<std::size_t>(b));
    std::vector<double> r(sa.size());
    for (std::size_t k = 0; k < sa.size(); ++k) r[k] = sa[k] / sb[k];
    return Estimate::Of(r);
  }
  const std::vector<double>& Samples(int i) const { return samples_.at(static_cast<std::size_t>(i)); }
  int rounds() const { return rounds_; }
  // "load 1.23 -> 1.45, 7 rounds": the machine's load around Measure().
  std::string Conditions() const {
    char buf[96];
    std::snprintf(buf, sizeof buf, "load %.2f -> %.2f, %d interleaved rounds", load_before_, load_after_, rounds_);
    return buf;
  }

 private:
  double Sample(const std::function<void()>& fn) const {
    using Clock = std::chrono::steady_clock;
    int calls = 0;
    const auto t0 = Clock::now();
    double elapsed = 0.0;
    do {
      fn();
      ++calls;
      elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    } while (elapsed < min_sample_);
    return elapsed / calls;
  }

  int rounds_;
  double min_sample_;
  std::vector<std::string> names_;
  std::vector<std::function<void()>> fns_;
  std::vector<std::vector<double>> samples_;
  double load_before_ = -1.0, load_after_ = -1.0;
};

// "1.234 s +-3.1 %" style value with its spread (scale: 1 = seconds, 1e3 = ms, ...).
inline std::string FormatSeconds(const Estimate& e, double scale = 1.0, const char* unit = "s") {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.4g %s +-%.1f %%", e.median * scale, unit, 100.0 * e.spread);
  return buf;
}

// A ratio as "2.34x +-4.0 %" (as_percent: "42.1 % +-4.0 %"), or "unreliable (spread +-23 %)"
// when the spread is wider than kMaxSpread: then no figure is printed at all.
inline std::string FormatRatio(const Estimate& e, bool as_percent = false) {
  char buf[96];
  if (!(e.spread <= kMaxSpread)) {
    std::snprintf(buf, sizeof buf, "unreliable (spread +-%.0f %%)", 100.0 * e.spread);
  } else if (as_percent) {
    std::snprintf(buf, sizeof buf, "%.1f %% +-%.1f %%", 100.0 * e.median, 100.0 * e.spread);
  } else {
    std::snprintf(buf, sizeof buf, "%.2fx +-%.1f %%", e.median, 100.0 * e.spread);
  }
  return buf;
}

// e scaled by a constant factor (a ratio of times turned into a ratio of rates).
inline Estimate Scaled(Estimate e, double factor) {
  e.median *= factor;
  return e;
}

}  // namespace pcmsim::bench
