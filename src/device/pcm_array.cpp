// PcmArray: construction (device-to-device draws), state updates and reads. Programming
// and pulses live in pcm_array_program.cpp.
#include "pcmsim/device/pcm_array.hpp"

#include <algorithm>
#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_01.hpp>
#include <cmath>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcm_array_internal.hpp"

namespace pcmsim::device {

using internal::kBlock;
using internal::kChunk;

namespace {
// A tight loop of standard normals (Boost ziggurat), kept small so the draw is inlined.
[[gnu::flatten]] void FillNormals(Rng& rng, double* z, Index len) {
  boost::random::normal_distribution<double> normal;
  for (Index j = 0; j < len; ++j) z[j] = normal(rng);
}
}  // namespace

double ProgramStats::RmsError() const {
  return cells ? std::sqrt(sum_sq_error / double(cells)) : 0.0;
}

ProgramStats& ProgramStats::operator+=(const ProgramStats& o) {
  cells += o.cells;
  pulses += o.pulses;
  verify_reads += o.verify_reads;
  converged += o.converged;
  sum_error += o.sum_error;
  sum_sq_error += o.sum_sq_error;
  max_abs_error = std::max(max_abs_error, o.max_abs_error);
  return *this;
}

PcmArray::PcmArray(const PcmParams& params, Index n, std::uint64_t master_seed,
                   std::uint64_t stream_index)
    : params_(params), n_(n), seed_(master_seed), stream_index_(stream_index),
      temperature_K_(params.t_ref_K) {
  params_.Validate();
  if (n < 0) throw DimensionError(StrCat("PcmArray: negative cell count ", n));
  derived_.g_lo = CellFromAmorphous(params_.g_min);
  DrawDevices();
  if (params_.ea_std_eV > 0.0) {
    derived_.z_ea.resize(n);
    ParallelFor(n_, kBlock, [&](Index b, Index e) {
      Rng rng = MakeStream(seed_, "device_ea", stream_index_, std::uint64_t(b / kBlock));
      FillNormals(rng, derived_.z_ea.data() + b, e - b);
    });
  }
  state_.g_a0.resize(n);
  state_.nu.resize(n);
  state_.q.resize(n);
  state_.t_prog.setZero(n);
  // Cells start in the RESET state (nominal level, no spread) at t = 0.
  for (Index i = 0; i < n; ++i) SetStateFromAmorphous(i, params_.reset_g, params_.reset_g, 0.0);
}

void PcmArray::DrawDevices() {
  const PcmParams& p = params_;
  derived_.g_max_dev.resize(n_);
  derived_.g_ceil_dev.resize(n_);
  derived_.set_gain.resize(n_);
  derived_.z_nu.resize(n_);
  derived_.fault.resize(n_);
  const double f_min = std::max(0.2, 1.01 * derived_.g_lo / p.g_max);
  ParallelFor(n_, kBlock, [&](Index b, Index e) {
    Rng rng = MakeStream(seed_, "device_dtod", stream_index_, std::uint64_t(b / kBlock));
    boost::random::normal_distribution<double> normal;
    boost::random::uniform_01<double> uniform;
    for (Index i = b; i < e; ++i) {
      // Always four draws per device, so one parameter never shifts another's draws.
      const double f = std::clamp(1.0 + p.g_max_dtod * normal(rng), f_min, 1.8);
      derived_.g_max_dev[i] = p.g_max * f;
      derived_.g_ceil_dev[i] = p.g_clip_max * f;
      derived_.set_gain[i] = std::max(0.0, 1.0 + p.set_gain_dtod * normal(rng));
      derived_.z_nu[i] = normal(rng);
      const double u = uniform(rng);
      derived_.fault[i] = static_cast<std::uint8_t>(
          u < p.stuck_set_prob ? Fault::kStuckSet
                               : (u < p.stuck_set_prob + p.stuck_reset_prob ? Fault::kStuckReset : Fault::kNone));
    }
  });
}

void PcmArray::SetState(const PcmState& s) {
  if (s.g_a0.size() != n_ || s.nu.size() != n_ || s.q.size() != n_ || s.t_prog.size() != n_)
    throw DimensionError(StrCat("PcmArray::SetState: state for ", s.g_a0.size(), " cells, array has ", n_));
  state_ = s;
  cache_valid_ = seen_valid_ = false;
  max_t_prog_ = n_ ? state_.t_prog.maxCoeff() : 0.0;
  uniform_t_prog_ = n_ == 0 || state_.t_prog.minCoeff() == max_t_prog_;
  t_prog_uniform_ = max_t_prog_;
}

void PcmArray::SetTemperature(double kelvin) {
  if (!(kelvin > 0.0) || !std::isfinite(kelvin))
    throw Error(StrCat("PcmArray::SetTemperature: ", kelvin, " K is not a positive temperature"));
  temperature_K_ = kelvin;
  cache_valid_ = seen_valid_ = false;
}

double PcmArray::CellFromAmorphous(double g_a, double drift_factor, double proj_factor) const {
  const double ga_t = g_a * drift_factor;
  if (!params_.HasProjection()) return ga_t;
  const double y = ga_t + params_.projection_ratio * proj_factor * g_a;
  if (params_.series_resistance == 0.0) return y;
  return y > 0.0 ? 1.0 / (params_.series_resistance + 1.0 / y) : 0.0;
}

double PcmArray::AmorphousFromCell(double g_cell) const {
  if (!params_.HasProjection()) return g_cell;
  if (params_.series_resistance == 0.0) return g_cell / (1.0 + params_.projection_ratio);
  if (g_cell <= 0.0) return 0.0;
  return 1.0 / ((1.0 + params_.projection_ratio) * (1.0 / g_cell - params_.series_resistance));
}

void PcmArray::SetStateFromAmorphous(Index i, double g_a, double g_a_stats, double t_s) {
  const auto fault = static_cast<Fault>(derived_.fault[i]);
  if (fault == Fault::kStuckSet) {
    g_a = g_a_stats = AmorphousFromCell(derived_.g_max_dev[i]);
  } else if (fault == Fault::kStuckReset) {
    g_a = g_a_stats = params_.g_min;
  }
  const double g_r = g_a_stats / params_.g_max;
  const double nu = std::abs(params_.nu_mean(g_r) + params_.nu_std(g_r) * derived_.z_nu[i]);
  state_.g_a0[i] = g_a;
  state_.nu[i] = fault == Fault::kStuckSet ? 0.0 : nu * params_.drift_scale;
  state_.q[i] = params_.q_s(g_r);
  state_.t_prog[i] = t_s;
}

void PcmArray::NoteProgramming(double t_s, bool all_cells) {
  cache_valid_ = seen_valid_ = false;
  if (all_cells) {
    uniform_t_prog_ = true;
    t_prog_uniform_ = t_s;
  } else if (t_s != t_prog_uniform_) {
    uniform_t_prog_ = n_ == 0;
  }
  max_t_prog_ = std::max(max_t_prog_, t_s);
}

void PcmArray::CheckTime(double t_s, const char* what) const {
  if (!std::isfinite(t_s) || t_s < max_t_prog_)
    throw Error(StrCat("PcmArray::", what, ": time ", t_s, " s precedes the latest programming at ",
                       max_t_prog_, " s (time never runs backward for an array)"));
}

void PcmArray::CheckIndices(std::span<const Index> cells, std::size_t n_values) const {
  if (cells.size() != n_values)
    throw DimensionError(StrCat("PcmArray: ", cells.size(), " cell indices but ", n_values, " values"));
  for (Index c : cells)
    if (c < 0 || c >= n_) throw DimensionError(StrCat("PcmArray: cell index ", c, " outside [0, ", n_, ")"));
}

Rng PcmArray::Stream(std::string_view role, std::uint64_t op, std::uint64_t block) const {
  return MakeStream(seed_, role, stream_index_, (op << 24) + block);
}

// ---------------------------------------------------------------------------------------
// Reads

void PcmArray::EvalChunk(Index b, Index len, double t_s, const ThermalState& th, double* g, double* sigma,
                         double* share) const {
  EvalState(state_.g_a0.data() + b, state_.nu.data() + b, state_.t_prog.data() + b, state_.q.data() + b,
            derived_.z_ea.size() ? derived_.z_ea.data() + b : nullptr, len, t_s, th, g, sigma, share);
}

void PcmArray::EvalCells(std::span<const Index> cells, double t_s, double* g, double* sigma) const {
  CheckTime(t_s, "EvalCells");
  CheckIndices(cells, cells.size());
  const ThermalState th = Thermal(t_s);
  using Buf = Eigen::Array<double, kChunk, 1>;
  Buf a, n, t, q, z;
  const bool has_z = derived_.z_ea.size() > 0;
  const Index count = static_cast<Index>(cells.size());
  for (Index c = 0; c < count; c += kChunk) {
    const Index len = std::min<Index>(kChunk, count - c);
    for (Index k = 0; k < len; ++k) {
      const Index i = cells[static_cast<size_t>(c + k)];
      a[k] = state_.g_a0[i];
      n[k] = state_.nu[i];
      t[k] = state_.t_prog[i];
      q[k] = state_.q[i];
      if (has_z) z[k] = derived_.z_ea[i];
    }
    EvalState(a.data(), n.data(), t.data(), q.data(), has_z ? z.data() : nullptr, len, t_s, th, g + c,
              sigma ? sigma + c : nullptr);
  }
}

void PcmArray::EvalState(const double* g_a0_p, const double* nu_p, const double* t_prog_p, const double* q_p,
                         const double* z_ea_p, Index len, double t_s, const ThermalState& th, double* g, double* sigma,
                         double* share) const {
  const double theta = th.per_cell ? 1.0 : th.theta;
  using Buf = Eigen::Array<double, kChunk, 1>;
  using CMap = Eigen::Map<const Eigen::Array<double, Eigen::Dynamic, 1>>;
  const PcmParams& p = params_;
  const CMap g_a0(g_a0_p, len), nu(nu_p, len);
  Buf tau_buf, lt_buf, ga_buf;
  auto tau = tau_buf.head(len);
  auto log_tau = lt_buf.head(len);  // ln(tau / t0), per cell
  auto ga = ga_buf.head(len);
  double tau_s = 0.0;
  // One clock for the chunk when the whole array, or just this chunk, was programmed at once.
  const CMap t_prog(t_prog_p, len);
  const bool chunk_uniform = uniform_t_prog_ || (t_prog == t_prog[0]).all();
  if (chunk_uniform) {
    tau_s = t_s - (uniform_t_prog_ ? t_prog_uniform_ : t_prog[0]) + p.t0;
    ga = g_a0 * (-nu * std::log(tau_s / p.t0)).exp() * theta;
  } else {
    tau = (t_s - t_prog) + p.t0;
    log_tau = (tau / p.t0).log();
    ga = g_a0 * (-nu * log_tau).exp() * theta;
  }
  if (th.per_cell) {
    // Per-cell activation energy: replace the common theta by each cell's own.
    for (Index k = 0; k < len; ++k) ga[k] *= CellTheta(g_a0[k], z_ea_p ? z_ea_p[k] : 0.0, th);
  }
  Eigen::Map<Eigen::Array<double, Eigen::Dynamic, 1>> out(g, len);
  Buf y_buf;
  auto y = y_buf.head(len);
  const double k_proj = p.projection_ratio * th.proj_factor;
  if (!p.HasProjection()) {
    out = ga;
    if (share) Eigen::Map<Eigen::Array<double, Eigen::Dynamic, 1>>(share, len).setOnes();
  } else {
    y = ga + k_proj * g_a0;
    if (share) Eigen::Map<Eigen::Array<double, Eigen::Dynamic, 1>>(share, len) = (y > 0.0).select(ga / y, 1.0);
    if (p.series_resistance == 0.0) out = y;
    else out = (y > 0.0).select(1.0 / (p.series_resistance + y.inverse()), 0.0);
  }
  if (sigma == nullptr) return;
  Eigen::Map<Eigen::Array<double, Eigen::Dynamic, 1>> s(sigma, len);
  const CMap q(q_p, len);
  if (p.read_model == ReadNoiseModel::kOneOverF) {
    if (chunk_uniform) {
      s = ga * q * (p.read_noise_scale * std::sqrt(std::log((tau_s + p.t_read) / (2.0 * p.t_read))));
    } else {
      if (p.t_read < 1e-6 * p.t0) {
        // ln((tau + t_read)/(2 t_read)) = ln(tau/t0) + ln(t0/(2 t_read)) + ln(1 + t_read/tau),
        // with ln(1 + x) = x - x^2/2 + ...: x <= t_read/t0 < 1e-6, so dropping x^2/2 costs
        // < 5e-13 absolute. Saves the second log per cell.
        const double c = std::log(p.t0 / (2.0 * p.t_read));
        s = ga * q * ((log_tau + c + p.t_read / tau).sqrt() * p.read_noise_scale);
      } else {
        s = ga * q * (((tau + p.t_read) / (2.0 * p.t_read)).log().sqrt() * p.read_noise_scale);
      }
    }
  } else {
    s = (p.read_affine_rel * ga + p.read_affine) * p.read_noise_scale;
  }
  if (p.HasProjection()) {
    // Noise of the amorphous segment seen at the terminals: dG/dG_a = (G / Y)^2.
    s *= (y > 0.0).select((out / y).square(), 1.0);
  }
}

template <typename Out>
void PcmArray::ReadImpl(double t_s, Out& out, bool with_read_noise) {
  CheckTime(t_s, "Read");
  out.resize(n_);
  const ThermalState theta = Thermal(t_s);
  // A second noisy read at the same time (no state change in between) fills a cache of the
  // expected G and sigma; later reads at that time cost one normal and one FMA per cell.
  // The first read at a time does not pay for filling it. Same bits either way.
  const bool cached = with_read_noise && cache_valid_ && cache_t_ == t_s;
  const bool fill = with_read_noise && !cached && seen_valid_ && seen_t_ == t_s;
  if (fill) {
    cache_g_.resize(n_);
    cache_sigma_.resize(n_);
  }
  const std::uint64_t op = with_read_noise ? state_.op_seq++ : 0;
  ParallelFor(n_, kBlock, [&](Index b, Index e) {
    Rng rng = Stream("read_noise", op, std::uint64_t(b / kBlock));
    Eigen::Array<double, kChunk, 1> gb, sb, z;
    for (Index c = b; c < e; c += kChunk) {
      const Index len = std::min<Index>(kChunk, e - c);
      double* g = cached || fill ? cache_g_.data() + c : gb.data();
      double* sigma = cached || fill ? cache_sigma_.data() + c : sb.data();
      if (!cached) EvalChunk(c, len, t_s, theta, g, with_read_noise ? sigma : nullptr);
      Eigen::Map<const Eigen::Array<double, Eigen::Dynamic, 1>> gm(g, len), sm(sigma, len);
      if (with_read_noise) {
        FillNormals(rng, z.data(), len);
        out.segment(c, len) = (gm + sm * z.head(len)).max(0.0).template cast<typename Out::Scalar>();
      } else {
        out.segment(c, len) = gm.template cast<typename Out::Scalar>();
      }
    }
  });
  if (fill) {
    cache_valid_ = true;
    cache_t_ = t_s;
  }
  if (with_read_noise) {
    seen_valid_ = true;
    seen_t_ = t_s;
  }
  counters_.cell_reads += n_;
}

void PcmArray::Read(double t_s, ArrayD& out, bool with_read_noise) { ReadImpl(t_s, out, with_read_noise); }
void PcmArray::Read(double t_s, ArrayF& out, bool with_read_noise) { ReadImpl(t_s, out, with_read_noise); }

void PcmArray::ExpectedConductance(double t_s, ArrayD& out) const {
  CheckTime(t_s, "ExpectedConductance");
  out.resize(n_);
  const ThermalState theta = Thermal(t_s);
  ParallelFor(n_, kBlock, [&](Index b, Index e) {
    for (Index c = b; c < e; c += kChunk)
      EvalChunk(c, std::min<Index>(kChunk, e - c), t_s, theta, out.data() + c, nullptr);
  });
}

void PcmArray::ReadNoiseStd(double t_s, ArrayD& out) const {
  CheckTime(t_s, "ReadNoiseStd");
  out.resize(n_);
  const ThermalState theta = Thermal(t_s);
  ParallelFor(n_, kBlock, [&](Index b, Index e) {
    Eigen::Array<double, kChunk, 1> g;
    for (Index c = b; c < e; c += kChunk)
      EvalChunk(c, std::min<Index>(kChunk, e - c), t_s, theta, g.data(), out.data() + c);
  });
}

void PcmArray::ProgrammedConductance(ArrayD& out) const {
  out.resize(n_);
  for (Index i = 0; i < n_; ++i) out[i] = CellFromAmorphous(state_.g_a0[i]);
}

}  // namespace pcmsim::device
