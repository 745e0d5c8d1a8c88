// PcmArray programming paths: fast statistical programming (Joshi 2020 fit), iterative
// program-and-verify, gradual SET pulses (Nandakumar 2018) and RESET pulses.
#include <algorithm>
#include <boost/random/normal_distribution.hpp>
#include <cmath>
#include <vector>

#include "pcm_array_internal.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/device/pcm_array.hpp"

namespace pcmsim::device {

using internal::kBlock;
using Normal = boost::random::normal_distribution<double>;

namespace {
void CheckFinite(const double* v, Index n, const char* what) {
  for (Index j = 0; j < n; ++j)
    if (!std::isfinite(v[j])) throw Error(StrCat("PcmArray::", what, ": target ", j, " is ", v[j]));
}
}  // namespace

// --- fast statistical programming -------------------------------------------------------

template <typename IndexFn>
void PcmArray::ProgramStatisticalImpl(Index count, IndexFn idx, const double* targets, double t_s) {
  CheckTime(t_s, "ProgramStatistical");
  CheckFinite(targets, count, "ProgramStatistical");
  const PcmParams& p = params_;
  const double sigma_unit = 1e-6 * p.g_max / p.prog_ref_g_max * p.prog_noise_scale;  // fit uS -> S
  const std::uint64_t op = state_.op_seq++;
  ParallelFor(count, kBlock, [&](Index b, Index e) {
    Rng rng = Stream("prog_noise", op, std::uint64_t(b / kBlock));
    Normal normal;
    for (Index j = b; j < e; ++j) {
      const Index i = idx(j);
      const double g_t = std::clamp(targets[j], derived_.g_lo, derived_.g_max_dev[i]);
      const double sigma = sigma_unit * p.sigma_prog(g_t / p.g_max);
      const double g = std::clamp(g_t + sigma * normal(rng), derived_.g_lo, derived_.g_ceil_dev[i]);
      SetStateFromAmorphous(i, AmorphousFromCell(g), AmorphousFromCell(g_t), t_s);
    }
  });
  counters_.program_pulses += count;
}

void PcmArray::ProgramStatistical(const ArrayD& targets, double t_prog_s) {
  if (targets.size() != n_)
    throw DimensionError(StrCat("PcmArray::ProgramStatistical: ", targets.size(), " targets for ", n_, " cells"));
  ProgramStatisticalImpl(n_, [](Index j) { return j; }, targets.data(), t_prog_s);
  NoteProgramming(t_prog_s, true);
}

void PcmArray::ProgramStatistical(std::span<const Index> cells, std::span<const double> targets,
                                  double t_prog_s) {
  CheckIndices(cells, targets.size());
  ProgramStatisticalImpl(Index(cells.size()), [&](Index j) { return cells[j]; }, targets.data(), t_prog_s);
  NoteProgramming(t_prog_s, false);
}

// --- iterative program-and-verify --------------------------------------------------------
// Per cell: a first programming pulse writes target (1 + rel xi) + abs xi from any state;
// then repeat { verify read (read noise at t = t0) ; stop if |target - read| <= tol ;
// correction pulse changing G by err (1 + rel xi) + abs xi, err = target - read } up to
// the iteration cap (Papandreou et al., ISCAS 2011: iterative write-and-verify; pulses and
// verify reads are counted for energy).

template <typename IndexFn>
ProgramStats PcmArray::ProgramVerifyImpl(Index count, IndexFn idx, const double* targets, double t_s) {
  CheckTime(t_s, "ProgramVerify");
  CheckFinite(targets, count, "ProgramVerify");
  const PcmParams& p = params_;
  const ThermalState th = Thermal(t_s);  // verify reads at the ambient temperature of t_s
  const bool auto_tol = p.pv_tolerance_mode == PvToleranceMode::kVerifyNoise;
  // Accumulated 1/f noise of a read right after programming (t = t0).
  const double noise_t0 = p.read_noise_scale * std::sqrt(std::log((p.t0 + p.t_read) / (2.0 * p.t_read)));
  const std::uint64_t op = state_.op_seq++;
  const Index n_blocks = (count + kBlock - 1) / kBlock;
  std::vector<ProgramStats> block_stats(static_cast<std::size_t>(n_blocks));
  ParallelFor(count, kBlock, [&](Index b, Index e) {
    Rng rng = Stream("program_verify", op, std::uint64_t(b / kBlock));
    Normal normal;
    ProgramStats st;
    for (Index j = b; j < e; ++j) {
      const Index i = idx(j);
      const auto fault = static_cast<Fault>(derived_.fault[i]);
      const double g_t = std::clamp(targets[j], derived_.g_lo, derived_.g_max_dev[i]);
      const double ga_t = AmorphousFromCell(g_t);
      const double q = p.q_s(ga_t / p.g_max);
      const double theta = th.per_cell ? CellTheta(ga_t, derived_.z_ea.size() ? derived_.z_ea[i] : 0.0, th) : th.theta;
      double tol = p.pv_tolerance;
      if (auto_tol) {
        // What one verify read at the target resolves (noise of the amorphous segment through
        // the pair), and half a pulse granule: the loop cannot settle tighter than either.
        const double ga_v = ga_t * theta;
        const double g_v = CellFromAmorphous(ga_t, theta, th.proj_factor);
        const double y_v = ga_v + p.projection_ratio * th.proj_factor * ga_t;
        double s_v = p.read_model == ReadNoiseModel::kOneOverF
                         ? ga_v * q * noise_t0
                         : (p.read_affine_rel * ga_v + p.read_affine) * p.read_noise_scale;
        if (p.HasProjection() && y_v > 0.0) s_v *= (g_v / y_v) * (g_v / y_v);
        tol = std::max(p.pv_verify_sigmas * s_v, 0.5 * p.pv_granularity);
      }
      double g = derived_.g_lo, step = g_t - g;
      bool ok = false;
      for (int it = 0; it < p.pv_max_iterations && !ok; ++it) {
        // The first pulse writes from scratch (RESET + partial SET); later ones correct.
        const double base = it == 0 ? 0.0 : g;
        double desired = it == 0 ? g_t : step;
        if (p.pv_granularity > 0.0 && it > 0) desired = std::round(desired / p.pv_granularity) * p.pv_granularity;
        const double w = base + desired + (p.pv_write_noise_rel * std::abs(desired) + p.pv_write_noise) * normal(rng);
        g = fault == Fault::kStuckSet     ? derived_.g_max_dev[i]
            : fault == Fault::kStuckReset ? derived_.g_lo
                                          : std::clamp(w, derived_.g_lo, derived_.g_ceil_dev[i]);
        // Verify read: the amorphous segment carries the noise, seen through (G/Y)^2.
        const double ga = AmorphousFromCell(g) * theta;
        const double g_read_mean = CellFromAmorphous(AmorphousFromCell(g), theta, th.proj_factor);
        const double y = ga + p.projection_ratio * th.proj_factor * AmorphousFromCell(g);
        double sigma = p.read_model == ReadNoiseModel::kOneOverF
                           ? ga * q * noise_t0
                           : (p.read_affine_rel * ga + p.read_affine) * p.read_noise_scale;
        if (p.HasProjection() && y > 0.0) sigma *= (g_read_mean / y) * (g_read_mean / y);
        const double read = std::max(0.0, g_read_mean + sigma * normal(rng));
        ++st.pulses;
        ++st.verify_reads;
        step = g_t - read;
        ok = std::abs(step) <= tol;
      }
      SetStateFromAmorphous(i, AmorphousFromCell(g), ga_t, t_s);
      const double residual = CellFromAmorphous(state_.g_a0[i]) - g_t;
      ++st.cells;
      st.converged += ok ? 1 : 0;
      st.sum_error += residual;
      st.sum_sq_error += residual * residual;
      st.max_abs_error = std::max(st.max_abs_error, std::abs(residual));
    }
    block_stats[static_cast<std::size_t>(b / kBlock)] = st;
  });
  ProgramStats total;
  for (const ProgramStats& s : block_stats) total += s;  // fixed order: deterministic sums
  counters_.program_pulses += total.pulses;
  counters_.verify_reads += total.verify_reads;
  return total;
}

ProgramStats PcmArray::ProgramVerify(const ArrayD& targets, double t_prog_s) {
  if (targets.size() != n_)
    throw DimensionError(StrCat("PcmArray::ProgramVerify: ", targets.size(), " targets for ", n_, " cells"));
  ProgramStats s = ProgramVerifyImpl(n_, [](Index j) { return j; }, targets.data(), t_prog_s);
  NoteProgramming(t_prog_s, true);
  return s;
}

ProgramStats PcmArray::ProgramVerify(std::span<const Index> cells, std::span<const double> targets,
                                     double t_prog_s) {
  CheckIndices(cells, targets.size());
  ProgramStats s = ProgramVerifyImpl(Index(cells.size()), [&](Index j) { return cells[j]; }, targets.data(), t_prog_s);
  NoteProgramming(t_prog_s, false);
  return s;
}

// --- pulses ------------------------------------------------------------------------------

void PcmArray::ApplySet(std::span<const Index> cells, std::span<const int> counts, double t_s) {
  CheckTime(t_s, "ApplySet");
  CheckIndices(cells, counts.size());
  std::int64_t total = 0;
  for (int c : counts) {
    if (c < 0) throw Error(StrCat("PcmArray::ApplySet: negative pulse count ", c));
    total += c;
  }
  const PcmParams& p = params_;
  const std::uint64_t op = state_.op_seq++;
  ParallelFor(Index(cells.size()), kBlock, [&](Index b, Index e) {
    Rng rng = Stream("set_pulse", op, std::uint64_t(b / kBlock));
    Normal normal;
    for (Index j = b; j < e; ++j) {
      const Index i = cells[j];
      const int n = counts[j];
      if (n == 0 || derived_.fault[i] != static_cast<std::uint8_t>(Fault::kNone)) continue;
      // Present (drifted, noise-free, T_ref) conductance, then n Nandakumar steps.
      const double tau = t_s - state_.t_prog[i] + p.t0;
      double g = CellFromAmorphous(state_.g_a0[i], std::pow(tau / p.t0, -state_.nu[i]));
      for (int k = 0; k < n; ++k) {
        const double mu = derived_.set_gain[i] * (p.set_dg_slope * g + p.set_dg_offset);
        const double sd = p.set_sd_slope * g + p.set_sd_offset;
        g = std::clamp(g + mu + sd * normal(rng), derived_.g_lo, derived_.g_ceil_dev[i]);
      }
      const double ga = AmorphousFromCell(g);
      SetStateFromAmorphous(i, ga, ga, t_s);
    }
  });
  counters_.set_pulses += total;
  NoteProgramming(t_s, false);
}

void PcmArray::ApplyReset(std::span<const Index> cells, double t_s) {
  CheckTime(t_s, "ApplyReset");
  CheckIndices(cells, cells.size());
  const PcmParams& p = params_;
  const std::uint64_t op = state_.op_seq++;
  ParallelFor(Index(cells.size()), kBlock, [&](Index b, Index e) {
    Rng rng = Stream("reset_pulse", op, std::uint64_t(b / kBlock));
    Normal normal;
    for (Index j = b; j < e; ++j) {
      const double ga = std::max(p.g_min, p.reset_g * (1.0 + p.reset_std_rel * normal(rng)));
      SetStateFromAmorphous(cells[j], ga, ga, t_s);
    }
  });
  counters_.reset_pulses += Index(cells.size());
  NoteProgramming(t_s, false);
}

}  // namespace pcmsim::device
