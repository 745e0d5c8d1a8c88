// The table device and its cell array (structure of arrays, whole-array operations).
#include "pcmsim/device/table_device.hpp"

#include <algorithm>
#include <boost/random/normal_distribution.hpp>
#include <cmath>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/core/validate.hpp"

namespace pcmsim::device {
namespace {

constexpr Index kBlock = 4096;  // cells per random stream (fixed: same bits for any thread count)
using Normal = boost::random::normal_distribution<double>;

class TableArray final : public CellArray {
 public:
  TableArray(const TableDevice& p, Index n, std::uint64_t seed, std::uint64_t stream)
      : p_(p), n_(n), seed_(seed), stream_(stream), g0_(ArrayD::Constant(n, p.g_min)), t_prog_(ArrayD::Zero(n)),
        nu_(n), gain_(n), z_nu_(n) {
    ParallelFor(n_, kBlock, [&](Index b, Index e) {
      Rng rng = MakeStream(seed_, "table_device", stream_, std::uint64_t(b / kBlock));
      Normal normal;
      for (Index i = b; i < e; ++i) {
        gain_[i] = std::max(0.0, 1.0 + p_.set_gain_dtod * normal(rng));
        z_nu_[i] = normal(rng);
      }
    });
    for (Index i = 0; i < n_; ++i) nu_[i] = Nu(i, g0_[i]);
  }

  Index size() const override { return n_; }
  double g_max() const override { return p_.g_max; }
  double g_min() const override { return p_.g_min; }

  void ProgramStatistical(std::span<const Index> cells, std::span<const double> targets, double t_s) override {
    Check(cells, targets.size(), t_s, "ProgramStatistical");
    const std::uint64_t op = op_seq_++;
    ParallelFor(Index(cells.size()), kBlock, [&](Index b, Index e) {
      Rng rng = Stream("program", op, b);
      Normal normal;
      for (Index j = b; j < e; ++j) {
        const double g_t = std::clamp(targets[size_t(j)], p_.g_min, p_.g_max);
        Set(cells[size_t(j)], g_t + p_.program_std(g_t) * normal(rng), t_s);
      }
    });
    counters_.program_pulses += std::int64_t(cells.size());
    max_t_prog_ = std::max(max_t_prog_, t_s);
  }

  ProgramStats ProgramVerify(std::span<const Index> cells, std::span<const double> targets, double t_s) override {
    Check(cells, targets.size(), t_s, "ProgramVerify");
    const std::uint64_t op = op_seq_++;
    const Index count = Index(cells.size());
    const Index blocks = (count + kBlock - 1) / kBlock;
    std::vector<ProgramStats> per_block(size_t(std::max<Index>(blocks, 1)));
    ParallelFor(count, kBlock, [&](Index b, Index e) {
      Rng rng = Stream("program_verify", op, b);
      Normal normal;
      ProgramStats& s = per_block[size_t(b / kBlock)];
      for (Index j = b; j < e; ++j) {
        const double g_t = std::clamp(targets[size_t(j)], p_.g_min, p_.g_max);
        double g = g_t;
        bool ok = false;
        for (int k = 0; k < p_.pv_max_iterations && !ok; ++k) {
          g = Clip(g_t + p_.program_std(g_t) * normal(rng));
          const double read = g + p_.read_std(g) * normal(rng);
          ok = std::abs(read - g_t) <= p_.pv_tolerance;
          ++s.pulses;
          ++s.verify_reads;
        }
        Set(cells[size_t(j)], g, t_s);
        const double err = g0_[cells[size_t(j)]] - g_t;
        ++s.cells;
        s.converged += ok ? 1 : 0;
        s.sum_error += err;
        s.sum_sq_error += err * err;
        s.max_abs_error = std::max(s.max_abs_error, std::abs(err));
      }
    });
    ProgramStats total;
    for (const auto& s : per_block) total += s;
    counters_.program_pulses += total.pulses;
    counters_.verify_reads += total.verify_reads;
    max_t_prog_ = std::max(max_t_prog_, t_s);
    return total;
  }

  void ProgrammedConductance(ArrayD& out) const override { out = g0_; }

  void ApplySet(std::span<const Index> cells, std::span<const int> counts, double t_s) override {
    Check(cells, counts.size(), t_s, "ApplySet");
    std::int64_t total = 0;
    for (int c : counts) {
      if (c < 0) throw Error(StrCat("TableArray::ApplySet: negative pulse count ", c));
      total += c;
    }
    const std::uint64_t op = op_seq_++;
    ParallelFor(Index(cells.size()), kBlock, [&](Index b, Index e) {
      Rng rng = Stream("set_pulse", op, b);
      Normal normal;
      for (Index j = b; j < e; ++j) {
        const Index i = cells[size_t(j)];
        const int n = counts[size_t(j)];
        if (n == 0) continue;
        double g = At(i, t_s);
        for (int k = 0; k < n; ++k) g = Clip(g + gain_[i] * p_.set_mean(g) + p_.set_std(g) * normal(rng));
        Set(i, g, t_s);
      }
    });
    counters_.set_pulses += total;
    max_t_prog_ = std::max(max_t_prog_, t_s);
  }

  void ApplyReset(std::span<const Index> cells, double t_s) override {
    Check(cells, cells.size(), t_s, "ApplyReset");
    const std::uint64_t op = op_seq_++;
    ParallelFor(Index(cells.size()), kBlock, [&](Index b, Index e) {
      Rng rng = Stream("reset_pulse", op, b);
      Normal normal;
      for (Index j = b; j < e; ++j) {
        const Index i = cells[size_t(j)];
        const double g = At(i, t_s);
        Set(i, p_.reset_mean(g) + p_.reset_std(g) * normal(rng), t_s);
      }
    });
    counters_.reset_pulses += std::int64_t(cells.size());
    max_t_prog_ = std::max(max_t_prog_, t_s);
  }

  void Read(double t_s, ArrayD& out, bool with_read_noise) override {
    CheckTime(t_s, "Read");
    out.resize(n_);
    const std::uint64_t op = with_read_noise ? op_seq_++ : 0;
    ParallelFor(n_, kBlock, [&](Index b, Index e) {
      Rng rng = Stream("read", op, b);
      Normal normal;
      for (Index i = b; i < e; ++i) {
        const double g = At(i, t_s);
        out[i] = with_read_noise ? std::max(0.0, g + p_.read_std(g) * normal(rng)) : g;
      }
    });
    counters_.cell_reads += n_;
  }

  void ExpectedConductance(double t_s, ArrayD& out) const override {
    CheckTime(t_s, "ExpectedConductance");
    out.resize(n_);
    for (Index i = 0; i < n_; ++i) out[i] = At(i, t_s);
  }
  void ReadNoiseStd(double t_s, ArrayD& out) const override {
    CheckTime(t_s, "ReadNoiseStd");
    out.resize(n_);
    for (Index i = 0; i < n_; ++i) out[i] = p_.read_std(At(i, t_s));
  }
  void EvalCells(std::span<const Index> cells, double t_s, double* g, double* sigma) const override {
    CheckTime(t_s, "EvalCells");
    for (size_t k = 0; k < cells.size(); ++k) {
      const Index i = cells[k];
      if (i < 0 || i >= n_) throw DimensionError(StrCat("TableArray: cell index ", i, " outside [0, ", n_, ")"));
      const double v = At(i, t_s);
      g[k] = v;
      if (sigma != nullptr) sigma[k] = p_.read_std(v);
    }
  }

  // G(t2)/G(t1) = ((t2-tp+t0)/(t1-tp+t0))^-nu, so |ln G(t2) - ln G(t1)| <= nu ln(1 + (t2-t1)/t0).
  double MaxDriftRate() const override { return n_ ? nu_.maxCoeff() : 0.0; }
  double MaxDriftRate(std::span<const Index> cells) const override {
    double m = 0.0;
    for (Index i : cells) m = std::max(m, nu_[i]);
    return m;
  }
  double ReadChangeBound(double rate, double t1, double t2) const override {
    return rate * std::log1p(std::max(0.0, t2 - t1) / p_.t0);
  }

  // The mean step at the middle of [g_min, g_top], g_top = g_max or the first G where the
  // mean step falls to 0.
  double MidWindowSetStep() const override {
    double g_top = p_.g_max;
    const auto& t = p_.set_mean;
    if (t.y.front() <= 0) return t.y.front();
    for (size_t k = 1; k < t.x.size(); ++k) {
      if (t.y[k] <= 0) {
        g_top = std::min(g_top, t.x[k - 1] + (t.x[k] - t.x[k - 1]) * t.y[k - 1] / (t.y[k - 1] - t.y[k]));
        break;
      }
    }
    return t(0.5 * (p_.g_min + g_top));
  }

  const CellCounters& counters() const override { return counters_; }

  void SaveState(const std::string& prefix, StateMap& state) const override {
    state[prefix + "g_prog"] = g0_.matrix();
    state[prefix + "nu"] = nu_.matrix();
    state[prefix + "t_prog"] = t_prog_.matrix();
    PutScalar(state, prefix + "op_seq", static_cast<double>(op_seq_));
  }
  void LoadState(const std::string& prefix, const StateMap& state) override {
    g0_ = GetState(state, prefix + "g_prog", n_, 1).array();
    nu_ = GetState(state, prefix + "nu", n_, 1).array();
    t_prog_ = GetState(state, prefix + "t_prog", n_, 1).array();
    op_seq_ = GetCount(state, prefix + "op_seq");
    max_t_prog_ = n_ ? t_prog_.maxCoeff() : 0.0;
  }

 private:
  double Clip(double g) const { return std::clamp(g, p_.g_min, p_.g_clip_max); }
  double Nu(Index i, double g) const { return std::max(0.0, p_.nu_mean(g) + p_.nu_std(g) * z_nu_[i]); }
  double At(Index i, double t_s) const {
    const double tau = t_s - t_prog_[i] + p_.t0;
    return nu_[i] == 0.0 ? g0_[i] : g0_[i] * std::pow(tau / p_.t0, -nu_[i]);
  }
  void Set(Index i, double g, double t_s) {
    g0_[i] = Clip(g);
    t_prog_[i] = t_s;
    nu_[i] = Nu(i, g0_[i]);
  }
  Rng Stream(std::string_view role, std::uint64_t op, Index block_start) const {
    return MakeStream(seed_ ^ HashRole(role), "table_op", stream_, op * 1000003ULL + std::uint64_t(block_start / kBlock));
  }
  void CheckTime(double t_s, const char* what) const {
    if (!std::isfinite(t_s) || t_s < max_t_prog_) {
      throw Error(StrCat("TableArray::", what, ": time ", t_s, " s precedes the latest programming at ", max_t_prog_,
                         " s (time never runs backward for an array)"));
    }
  }
  void Check(std::span<const Index> cells, size_t n_values, double t_s, const char* what) const {
    CheckTime(t_s, what);
    if (cells.size() != n_values) {
      throw DimensionError(StrCat("TableArray::", what, ": ", cells.size(), " cell indices but ", n_values, " values"));
    }
    for (Index c : cells) {
      if (c < 0 || c >= n_) throw DimensionError(StrCat("TableArray: cell index ", c, " outside [0, ", n_, ")"));
    }
  }

  TableDevice p_;
  Index n_;
  std::uint64_t seed_, stream_;
  ArrayD g0_, t_prog_, nu_, gain_, z_nu_;
  std::uint64_t op_seq_ = 0;
  double max_t_prog_ = 0.0;
  CellCounters counters_;
};

}  // namespace

void TableDevice::Validate() const {
  Require(g_min >= 0, "range.g_min_uS", g_min * 1e6, "must be >= 0");
  Require(g_max > g_min, "range.g_max_uS", g_max * 1e6, "must be > range.g_min_uS");
  Require(g_clip_max >= g_max, "range.g_clip_max_uS", g_clip_max * 1e6, "must be >= range.g_max_uS");
  Require(t0 > 0, "drift.t0_s", t0, "must be > 0");
  Require(set_gain_dtod >= 0 && set_gain_dtod < 1, "set.gain_dtod", set_gain_dtod, "must be in [0, 1)");
  Require(pv_tolerance >= 0, "program_verify.tolerance_uS", pv_tolerance * 1e6, "must be >= 0");
  Require(pv_max_iterations >= 1 && pv_max_iterations <= 100000, "program_verify.max_iterations", pv_max_iterations,
          "must be in [1, 100000]");
  for (const TableField& f : TableFields()) (this->*f.table).Validate(f.key, f.non_negative);
  // Physical bounds, so that absurd tables stop here instead of giving finite but meaningless
  // runs (a read.std of 1e300 uS validated, and MNIST came out at one class): conductances
  // (the range, every knot, conductance-valued statistics) within 1 S = 1e6 uS, the bound of
  // the trace reader; drift exponents within +-1 (measured PCM: about 0.005-0.1).
  constexpr double kMaxUs = 1e6, kMaxDriftExponent = 1.0;
  Require(g_clip_max * 1e6 <= kMaxUs, "range.g_clip_max_uS", g_clip_max * 1e6, "must be <= 1e6 (1 S)");
  for (const TableField& f : TableFields()) {
    const PiecewiseLinear& t = this->*f.table;
    for (size_t i = 0; i < t.x.size(); ++i) {
      if (t.x[i] < 0 || t.x[i] * 1e6 > kMaxUs) {
        throw ConfigError(StrCat(f.key, ".g_uS: entry ", i + 1, " = ", t.x[i] * 1e6, " is outside [0, 1e6] uS"));
      }
      const double v = f.conductance ? t.y[i] * 1e6 : t.y[i];
      const double bound = f.conductance ? kMaxUs : kMaxDriftExponent;
      if (std::abs(v) > bound) {
        throw ConfigError(StrCat(f.key, f.conductance ? ".value_uS" : ".value", ": entry ", i + 1, " = ", v,
                                 " is beyond +-", bound, f.conductance ? " uS (1 S)" : " (a drift exponent)"));
      }
    }
  }
}

std::span<const TableField> TableFields() {
  static constexpr TableField kFields[] = {
      {"programming.std", &TableDevice::program_std, true, true, "program_std"},
      {"drift.nu_mean", &TableDevice::nu_mean, false, false, "nu_mean"},
      {"drift.nu_std", &TableDevice::nu_std, false, true, "nu_std"},
      {"read.std", &TableDevice::read_std, true, true, "read_std"},
      {"set.mean", &TableDevice::set_mean, true, false, "set_mean"},
      {"set.std", &TableDevice::set_std, true, true, "set_std"},
      {"reset.mean", &TableDevice::reset_mean, true, true, "reset_mean"},
      {"reset.std", &TableDevice::reset_std, true, true, "reset_std"},
  };
  return kFields;
}

std::unique_ptr<CellArray> TableDevice::MakeArray(Index n, std::uint64_t master_seed, std::uint64_t stream_index) const {
  return std::make_unique<TableArray>(*this, n, master_seed, stream_index);
}

}  // namespace pcmsim::device
