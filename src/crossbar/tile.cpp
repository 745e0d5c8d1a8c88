// Tile construction, weight mapping and programming, conductance reads into the cache,
// drift compensation and the training entry points (pulses, refresh).
#include "pcmsim/crossbar/tile.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "pcmsim/core/error.hpp"
#include "pcmsim/crossbar/gaussian.hpp"
#include "pcmsim/crossbar/ir_drop.hpp"

namespace pcmsim::crossbar {
namespace {

const TileOptions& Validated(const TileOptions& o) {
  o.Validate();
  return o;
}

Index CellCount(Index rows, Index cols, const TileOptions& o) {
  if (rows < 1 || cols < 1) throw DimensionError(StrCat("tile of ", rows, " x ", cols, ": must be at least 1 x 1"));
  return 2 * o.pairs_per_weight * rows * cols;
}

}  // namespace

Tile::Tile(Index rows, Index cols, const device::DeviceModel& device, const TileOptions& options,
           std::uint64_t seed, std::uint64_t tile_index)
    : rows_(rows),
      cols_(cols),
      opt_(Validated(options)),
      seed_(seed),
      tile_index_(tile_index),
      array_(device.MakeArray(CellCount(rows, cols, opt_), seed, tile_index)) {
  if (rows > opt_.max_rows || cols > opt_.max_cols) {
    throw DimensionError(StrCat("tile of ", rows, " x ", cols, " exceeds max_rows x max_cols = ",
                                opt_.max_rows, " x ", opt_.max_cols, " (use AnalogMatrix)"));
  }
  if (opt_.ir_drop_model == IrDropModel::kExact && opt_.r_wire > 0.0 && (rows > 128 || cols > 128)) {
    throw ConfigError(StrCat("ir_drop_model = exact: the exact solve is only for tiles up to 128 x 128, this one is ",
                             rows, " x ", cols, " (use fast)"));
  }
  for (int p = 0; p < opt_.pairs_per_weight; ++p) {
    map_.significance.push_back(std::pow(opt_.significance_base, -p));
  }
  Rng rng = MakeStream(seed, "drift_cal", tile_index);
  x_cal_.resize(cols, opt_.calibration_samples);
  for (Index k = 0; k < x_cal_.size(); ++k) x_cal_.data()[k] = static_cast<float>(2.0 * rng.Uniform() - 1.0);
}

void Tile::Program(const Matrix& w, double t_s, double weight_scale) {
  if (w.rows() != rows_ || w.cols() != cols_) {
    throw DimensionError(StrCat("Tile::Program: weights are ", w.rows(), " x ", w.cols(), ", tile is ",
                                rows_, " x ", cols_));
  }
  if (!w.allFinite()) throw Error("Tile::Program: weights contain NaN or Inf");
  const double max_abs = w.cwiseAbs().maxCoeff();
  if (weight_scale > 0.0 && weight_scale < max_abs) {
    throw Error(StrCat("Tile::Program: weight_scale ", weight_scale, " is below max|w| = ", max_abs));
  }
  map_.weight_scale = weight_scale > 0.0 ? weight_scale : (max_abs > 0.0 ? max_abs : 1.0);
  map_.g_lo = array_->g_min();
  map_.g_unit = array_->g_max() - map_.g_lo;
  PCMSIM_CHECK(map_.g_unit > 0.0, "device window is empty: g_max ", array_->g_max(), " g_lo ", map_.g_lo);
  map_.out_gain = map_.weight_scale * array_->g_max() / map_.g_unit;
  const MatrixD diff = w.cast<double>() * (map_.g_unit / map_.weight_scale);
  ProgramPairs(diff, t_s);
  programmed_ = true;
  stale_ = false;
  t_last_pulse_ = t_s;
  RefreshCache(t_s);
  comp_ = {};
  if (opt_.drift_compensation != DriftCompensation::kNone) Calibrate(true);
}

void Tile::ProgramPairs(const MatrixD& target_diff, double t_s) {
  const Index rc = rows_ * cols_;
  const double g_lo = map_.g_lo, g_unit = map_.g_unit;
  MatrixD residual = target_diff;
  std::vector<double> targets(static_cast<size_t>(2 * rc));
  ArrayD programmed;
  for (int p = 0; p < opt_.pairs_per_weight; ++p) {
    const double s = map_.significance[p];
    for (Index k = 0; k < rc; ++k) {
      const double d = std::clamp(residual.data()[k] / s, -g_unit, g_unit);
      targets[k] = g_lo + std::max(d, 0.0);
      targets[rc + k] = g_lo + std::max(-d, 0.0);
    }
    ws_.cells.resize(static_cast<size_t>(2 * rc));
    std::iota(ws_.cells.begin(), ws_.cells.end(), 2 * p * rc);
    if (opt_.program_method == ProgramMethod::kStatistical) {
      array_->ProgramStatistical(ws_.cells, targets, t_s);
    } else {
      array_->ProgramVerify(ws_.cells, targets, t_s);
    }
    if (p + 1 < opt_.pairs_per_weight) {
      array_->ProgrammedConductance(programmed);
      const Eigen::Map<const MatrixD> gp(programmed.data() + 2 * p * rc, rows_, cols_);
      const Eigen::Map<const MatrixD> gm(programmed.data() + (2 * p + 1) * rc, rows_, cols_);
      residual -= s * (gp - gm);
    }
  }
}

// The frozen read-noise realisation of a read at t_s: stream keyed by the read time's bits
// (the same time gives the same noisy devices, also after a checkpoint restore) and the
// kind of read (0 whole tile, 1 pulsed weights only).
Rng Tile::FrozenNoiseStream(double t_s, int kind) const {
  std::uint64_t bits;
  static_assert(sizeof bits == sizeof t_s);
  std::memcpy(&bits, &t_s, sizeof bits);
  return MakeStream(seed_, kind == 0 ? "read_noise_frozen" : "read_noise_frozen_partial", tile_index_, bits);
}

void Tile::RefreshCache(double t_s) {
  const Index rc = rows_ * cols_;
  const bool ir = opt_.r_wire > 0.0;
  const bool frozen = opt_.read_noise && opt_.read_noise_model == ReadNoiseModel::kFrozen;
  const bool noise = opt_.read_noise && !frozen;  // per-MVM: variances into the cache
  array_->ExpectedConductance(t_s, ws_.g);
  if (opt_.read_noise) array_->ReadNoiseStd(t_s, ws_.sigma);
  events_.array_reads += ws_.g.size();
  // Frozen: the conductances every MVM until the next read sees, g + sigma z; the line sums
  // (read energy) keep the expected g.
  if (frozen) {
    Rng rng = FrozenNoiseStream(t_s, 0);
    ws_.z.resize(ws_.g.size());
    FillGaussian(rng, ws_.z.data(), ws_.g.size(), ws_.gauss_scratch);
    ws_.g_read = ws_.g + ws_.sigma * ws_.z.cast<double>();
  }
  const ArrayD& g_used = frozen ? ws_.g_read : ws_.g;
  auto effective = [&](const MatrixD& g) {
    return opt_.ir_drop_model == IrDropModel::kFast ? IrDropEffectiveFast(g, opt_.r_wire)
                                                    : IrDropEffectiveExact(g, opt_.r_wire);
  };
  const double g_max = array_->g_max();
  MatrixD wf = MatrixD::Zero(rows_, cols_), wb, var, wnl;
  if (ir) wb = MatrixD::Zero(cols_, rows_);
  const double iv_u = opt_.input_encoding == device::InputEncoding::kAmplitude ? array_->IvArgument(t_s) : 0.0;
  ArrayD share;
  if (iv_u > 0.0) {
    array_->AmorphousShare(t_s, share);
    wnl = MatrixD::Zero(rows_, cols_);
  }
  if (noise) var = MatrixD::Zero(rows_, cols_);
  cache_.col_g = ArrayD::Zero(cols_);
  cache_.row_g = ArrayD::Zero(rows_);
  for (int p = 0; p < opt_.pairs_per_weight; ++p) {
    const double s = map_.significance[p];
    for (int sign = 0; sign < 2; ++sign) {
      const Eigen::Map<const MatrixD> g_exp(ws_.g.data() + (2 * p + sign) * rc, rows_, cols_);
      const Eigen::Map<const MatrixD> g(g_used.data() + (2 * p + sign) * rc, rows_, cols_);
      cache_.col_g += g_exp.colwise().sum().transpose().array();
      cache_.row_g += g_exp.rowwise().sum().array();
      const double coef = (sign == 0 ? s : -s) / g_max;
      if (ir) {
        wf += coef * effective(g);
        // Transposed use: rows are driven from their j = n-1 end, columns sensed at i = 0.
        const MatrixD gt = g.transpose().reverse();
        wb += coef * effective(gt).reverse();
      } else {
        wf += coef * g;
      }
      if (iv_u > 0.0) {
        const Eigen::Map<const MatrixD> sh(share.data() + (2 * p + sign) * rc, rows_, cols_);
        wnl += coef * g.cwiseProduct(sh);
      }
      if (noise) {
        const Eigen::Map<const MatrixD> sg(ws_.sigma.data() + (2 * p + sign) * rc, rows_, cols_);
        var += (s * s / (g_max * g_max)) * sg.array().square().matrix();
      }
    }
  }
  cache_.t = t_s;
  drift_rate_ = array_->MaxDriftRate();
  dirty_.clear();
  dirty_flag_.assign(static_cast<size_t>(rc), 0);
  ++full_reads_;
  cache_.w_fwd = wf.cast<float>();
  cache_.w_bwd = wb.cast<float>();
  cache_.var = var.cast<float>();
  cache_.w_nl = wnl.cast<float>();
  cache_.iv_u = static_cast<float>(iv_u);
}

void Tile::ReadAt(double t_s) {
  if (!programmed_) throw Error("Tile::ReadAt: the tile has not been programmed");
  RefreshCache(t_s);
  stale_ = false;
  if (opt_.drift_compensation != DriftCompensation::kNone) Calibrate(false);
}

void Tile::RecordCompensationReference(double t_s) {
  if (!programmed_) throw Error("Tile::RecordCompensationReference: the tile has not been programmed");
  RefreshCache(t_s);
  stale_ = false;
  if (opt_.drift_compensation != DriftCompensation::kNone) Calibrate(true);
}

void Tile::Calibrate(bool record_reference) {
  Rng rng = MakeStream(seed_, "drift_cal_noise", tile_index_, calibration_calls_++);
  Matrix y;
  Mvm(Dir::kForward, x_cal_, y, rng);
  events_.calibration_mvms += x_cal_.cols();
  const ArrayD rows_mean = y.cwiseAbs().rowwise().mean().cast<double>().array();
  const double global = rows_mean.mean();
  if (record_reference) {
    comp_.ref_global = global;
    comp_.ref_rows = rows_mean;
  }
  comp_.alpha = global > 0.0 ? comp_.ref_global / global : 1.0;
  if (opt_.drift_compensation == DriftCompensation::kPerColumn) {
    comp_.alpha_rows = (rows_mean > 0.0).select(comp_.ref_rows / rows_mean, 1.0).cast<float>().matrix();
  }
}

void Tile::Forward(const Eigen::Ref<const Matrix>& x, Matrix& y) {
  if (x.rows() != cols_) {
    throw DimensionError(StrCat("Tile::Forward: input has ", x.rows(), " features, tile has ", cols_, " inputs"));
  }
  EnsureFresh();
  Rng rng = MakeStream(seed_, "tile_forward", tile_index_, forward_calls_++);
  Mvm(Dir::kForward, x, y, rng);
  if (!compensation_applied_) return;
  if (opt_.drift_compensation == DriftCompensation::kPerColumn) {
    y = comp_.alpha_rows.asDiagonal() * y;
  } else if (opt_.drift_compensation == DriftCompensation::kGlobal) {
    y *= static_cast<float>(comp_.alpha);
  }
}

void Tile::Backward(const Eigen::Ref<const Matrix>& d, Matrix& dx) {
  if (d.rows() != rows_) {
    throw DimensionError(StrCat("Tile::Backward: input has ", d.rows(), " features, tile has ", rows_, " outputs"));
  }
  EnsureFresh();
  Rng rng = MakeStream(seed_, "tile_backward", tile_index_, backward_calls_++);
  Mvm(Dir::kBackward, d, dx, rng);
  // Per-line factors belong to output lines; the transposed pass uses the global factor.
  if (compensation_applied_ && opt_.drift_compensation != DriftCompensation::kNone) {
    dx *= static_cast<float>(comp_.alpha);
  }
}

Matrix Tile::Weights() const {
  // Pulses since the last read: read now what the next MVM would read (at the same time, so
  // nothing is counted twice). The cache is logically part of the const state.
  if (stale_) const_cast<Tile*>(this)->EnsureFresh();
  Matrix w = cache_.w_fwd * static_cast<float>(map_.out_gain);
  if (!compensation_applied_) return w;
  if (opt_.drift_compensation == DriftCompensation::kPerColumn && comp_.alpha_rows.size() == rows_) {
    w = comp_.alpha_rows.asDiagonal() * w;
  } else if (opt_.drift_compensation != DriftCompensation::kNone) {
    w *= static_cast<float>(comp_.alpha);
  }
  return w;
}

void Tile::EnsureFresh() {
  if (!programmed_) throw Error("Tile: MVM before Program()");
  if (stale_) {
    if (CanRereadDirty(t_last_pulse_)) RereadDirty(t_last_pulse_);
    else RefreshCache(t_last_pulse_);
    stale_ = false;
  }
}

void Tile::MarkDirty(Index i, Index j) {
  const Index k = j * rows_ + i;
  if (dirty_flag_[static_cast<size_t>(k)]) return;
  dirty_flag_[static_cast<size_t>(k)] = 1;
  dirty_.push_back(k);
}

bool Tile::CanRereadDirty(double t_s) const {
  if (opt_.reread_tolerance <= 0.0 || opt_.r_wire > 0.0 || cache_.w_nl.size() > 0) return false;
  // Past a quarter of the weights a full read costs about the same.
  if (static_cast<Index>(dirty_.size()) * 4 > rows_ * cols_) return false;
  // Every cell was read at cache_.t or later with a drift rate <= drift_rate_.
  return array_->ReadChangeBound(drift_rate_, cache_.t, t_s) <= opt_.reread_tolerance;
}

void Tile::RereadDirty(double t_s) {
  const Index rc = rows_ * cols_;
  const int devices = 2 * opt_.pairs_per_weight;
  const bool frozen = opt_.read_noise && opt_.read_noise_model == ReadNoiseModel::kFrozen;
  const bool noise = opt_.read_noise;
  const size_t n = dirty_.size() * static_cast<size_t>(devices);
  ws_.cells.resize(n);
  for (size_t k = 0; k < dirty_.size(); ++k) {
    for (int d = 0; d < devices; ++d) ws_.cells[k * devices + d] = d * rc + dirty_[k];  // = CellIndex(d/2, d%2, .)
  }
  ws_.g_new.resize(static_cast<Index>(n));
  ws_.sigma_new.resize(static_cast<Index>(n));
  array_->EvalCells(ws_.cells, t_s, ws_.g_new.data(), noise ? ws_.sigma_new.data() : nullptr);
  events_.array_reads += static_cast<std::int64_t>(n);
  if (frozen) {  // a fresh realisation for the re-read devices (in dirty_ order)
    Rng rng = FrozenNoiseStream(t_s, 1);
    ws_.z.resize(static_cast<Index>(n));
    FillGaussian(rng, ws_.z.data(), static_cast<Index>(n), ws_.gauss_scratch);
  }
  const double g_max = array_->g_max();
  for (size_t k = 0; k < dirty_.size(); ++k) {
    const Index pos = dirty_[k], i = pos % rows_, j = pos / rows_;
    double wf = 0.0, var = 0.0;
    for (int d = 0; d < devices; ++d) {
      const double s = map_.significance[static_cast<size_t>(d / 2)];
      const Index cell = ws_.cells[k * devices + d];
      const double g = ws_.g_new[static_cast<Index>(k * devices + d)];
      cache_.col_g[j] += g - ws_.g[cell];
      cache_.row_g[i] += g - ws_.g[cell];
      ws_.g[cell] = g;
      if (frozen) {
        const Index c = static_cast<Index>(k * devices + d);
        const double sg = ws_.sigma_new[c];
        ws_.sigma[cell] = sg;
        wf += ((d % 2 == 0 ? s : -s) / g_max) * (g + sg * static_cast<double>(ws_.z[c]));
        continue;
      }
      wf += ((d % 2 == 0 ? s : -s) / g_max) * g;  // same terms and order as RefreshCache
      if (noise) {
        const double sg = ws_.sigma_new[static_cast<Index>(k * devices + d)];
        ws_.sigma[cell] = sg;
        var += (s * s / (g_max * g_max)) * (sg * sg);
      }
    }
    cache_.w_fwd(i, j) = static_cast<float>(wf);
    if (noise && !frozen) cache_.var(i, j) = static_cast<float>(var);
    dirty_flag_[static_cast<size_t>(pos)] = 0;
  }
  drift_rate_ = std::max(drift_rate_, array_->MaxDriftRate(ws_.cells));
  dirty_.clear();
  ++partial_reads_;
}

void Tile::ApplyPulses(const Eigen::Ref<const IntMatrix>& counts, double t_s, int pair) {
  if (counts.rows() != rows_ || counts.cols() != cols_) {
    throw DimensionError(StrCat("Tile::ApplyPulses: counts are ", counts.rows(), " x ", counts.cols(),
                                ", tile is ", rows_, " x ", cols_));
  }
  if (pair < 0 || pair >= opt_.pairs_per_weight) throw Error(StrCat("Tile::ApplyPulses: pair ", pair, " out of range"));
  if (!programmed_) throw Error("Tile::ApplyPulses: the tile has not been programmed");
  ws_.cells.clear();
  ws_.counts.clear();
  for (Index j = 0; j < cols_; ++j) {
    for (Index i = 0; i < rows_; ++i) {
      const int c = counts(i, j);
      if (c == 0) continue;
      ws_.cells.push_back(CellIndex(pair, c > 0 ? 0 : 1, i, j));
      ws_.counts.push_back(c > 0 ? c : -c);
      MarkDirty(i, j);
    }
  }
  if (!ws_.cells.empty()) array_->ApplySet(ws_.cells, ws_.counts, t_s);
  stale_ = true;
  t_last_pulse_ = std::max(t_last_pulse_, t_s);
}

Index Tile::RefreshSaturated(double threshold, double t_s, int pair) {
  if (pair < 0 || pair >= opt_.pairs_per_weight) throw Error(StrCat("Tile::RefreshSaturated: pair ", pair, " out of range"));
  if (!programmed_) throw Error("Tile::RefreshSaturated: the tile has not been programmed");
  ArrayD g;
  array_->Read(t_s, g, /*with_read_noise=*/true);
  const double limit = threshold * array_->g_max();
  std::vector<Index> reset_cells, prog_cells, other_cells;
  std::vector<double> diffs, targets;
  for (Index j = 0; j < cols_; ++j) {
    for (Index i = 0; i < rows_; ++i) {
      const Index cp = CellIndex(pair, 0, i, j), cm = CellIndex(pair, 1, i, j);
      if (std::max(g[cp], g[cm]) < limit) continue;
      const double diff = g[cp] - g[cm];
      reset_cells.push_back(cp);
      reset_cells.push_back(cm);
      prog_cells.push_back(diff >= 0.0 ? cp : cm);
      MarkDirty(i, j);
      other_cells.push_back(diff >= 0.0 ? cm : cp);
      diffs.push_back(std::abs(diff));
    }
  }
  if (!reset_cells.empty()) {
    array_->ApplyReset(reset_cells, t_s);
    // The partner stays at its RESET level: read it back and program the difference on top.
    array_->Read(t_s, g, /*with_read_noise=*/true);
    for (size_t k = 0; k < prog_cells.size(); ++k) targets.push_back(g[other_cells[k]] + diffs[k]);
    if (opt_.program_method == ProgramMethod::kStatistical) {
      array_->ProgramStatistical(prog_cells, targets, t_s);
    } else {
      array_->ProgramVerify(prog_cells, targets, t_s);
    }
    stale_ = true;
    t_last_pulse_ = std::max(t_last_pulse_, t_s);
  }
  return static_cast<Index>(prog_cells.size());
}

TileEvents Tile::Events() const {
  TileEvents e = events_;
  const device::CellCounters& c = array_->counters();
  e.set_pulses += c.set_pulses;
  e.reset_pulses += c.reset_pulses;
  e.program_pulses += c.program_pulses;
  e.verify_reads += c.verify_reads;
  e.array_reads += c.cell_reads;
  return e;
}

}  // namespace pcmsim::crossbar
