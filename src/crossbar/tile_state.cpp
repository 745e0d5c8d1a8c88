// Tile checkpoints: device state, mapping, compensation and stream counters as named matrices.
#include <cmath>

#include "pcmsim/core/error.hpp"
#include "pcmsim/crossbar/tile.hpp"

namespace pcmsim::crossbar {
namespace {

const MatrixD& Get(const TileStateMap& state, const std::string& key, Index rows, Index cols) {
  const auto it = state.find(key);
  if (it == state.end()) throw IoError(StrCat("tile state: missing entry '", key, "'"));
  if (it->second.rows() != rows || it->second.cols() != cols) {
    throw DimensionError(StrCat("tile state: '", key, "' is ", it->second.rows(), " x ", it->second.cols(),
                                ", expected ", rows, " x ", cols));
  }
  return it->second;
}

constexpr Index kMeta = 14;

}  // namespace

void Tile::SaveState(const std::string& prefix, TileStateMap& state) const {
  const device::PcmState& d = array_.state();
  state[prefix + "g_a0"] = d.g_a0.matrix();
  state[prefix + "nu"] = d.nu.matrix();
  state[prefix + "q"] = d.q.matrix();
  state[prefix + "t_prog"] = d.t_prog.matrix();
  MatrixD meta(1, kMeta);
  meta << map_.weight_scale, map_.g_lo, map_.g_unit, map_.out_gain, comp_.ref_global, comp_.alpha, cache_.t,
      t_last_pulse_, programmed_ ? 1.0 : 0.0, double(forward_calls_), double(backward_calls_),
      double(calibration_calls_), double(d.op_seq), stale_ ? 1.0 : 0.0;
  state[prefix + "meta"] = meta;
  state[prefix + "ref_rows"] = comp_.ref_rows.size() == rows_ ? MatrixD(comp_.ref_rows.matrix()) : MatrixD::Zero(rows_, 1);
  state[prefix + "alpha_rows"] =
      comp_.alpha_rows.size() == rows_ ? MatrixD(comp_.alpha_rows.cast<double>()) : MatrixD::Ones(rows_, 1);
  // The read cache itself (pulsed weights are re-read on their own, so it is not a function
  // of the device state alone); IR-drop tiles always re-read in full and need none of it.
  if (!programmed_ || opt_.r_wire > 0.0) return;
  state[prefix + "cache_g"] = ws_.g.matrix();
  if (opt_.read_noise) {
    state[prefix + "cache_sigma"] = ws_.sigma.matrix();
    state[prefix + "cache_var"] = cache_.var.cast<double>();
  }
  state[prefix + "cache_w_fwd"] = cache_.w_fwd.cast<double>();
  state[prefix + "cache_col_g"] = cache_.col_g.matrix();
  state[prefix + "cache_row_g"] = cache_.row_g.matrix();
  MatrixD dirty(static_cast<Index>(dirty_.size()) + 1, 1);
  dirty(0, 0) = nu_max_;
  for (size_t k = 0; k < dirty_.size(); ++k) dirty(static_cast<Index>(k) + 1, 0) = static_cast<double>(dirty_[k]);
  state[prefix + "cache_dirty"] = dirty;
}

void Tile::LoadState(const std::string& prefix, const TileStateMap& state) {
  const Index n = array_.size();
  device::PcmState d;
  d.g_a0 = Get(state, prefix + "g_a0", n, 1).array();
  d.nu = Get(state, prefix + "nu", n, 1).array();
  d.q = Get(state, prefix + "q", n, 1).array();
  d.t_prog = Get(state, prefix + "t_prog", n, 1).array();
  const MatrixD& meta = Get(state, prefix + "meta", 1, kMeta);
  d.op_seq = static_cast<std::uint64_t>(meta(0, 12));
  array_.SetState(d);
  map_.weight_scale = meta(0, 0);
  map_.g_lo = meta(0, 1);
  map_.g_unit = meta(0, 2);
  map_.out_gain = meta(0, 3);
  comp_.ref_global = meta(0, 4);
  comp_.alpha = meta(0, 5);
  t_last_pulse_ = meta(0, 7);
  programmed_ = meta(0, 8) != 0.0;
  forward_calls_ = static_cast<std::uint64_t>(meta(0, 9));
  backward_calls_ = static_cast<std::uint64_t>(meta(0, 10));
  calibration_calls_ = static_cast<std::uint64_t>(meta(0, 11));
  comp_.ref_rows = Get(state, prefix + "ref_rows", rows_, 1).array();
  comp_.alpha_rows.resize(0);
  if (opt_.drift_compensation == DriftCompensation::kPerColumn) {
    comp_.alpha_rows = Get(state, prefix + "alpha_rows", rows_, 1).cast<float>();
  }
  stale_ = false;
  if (!programmed_) return;
  const auto dirty_it = state.find(prefix + "cache_dirty");
  if (opt_.r_wire > 0.0 || dirty_it == state.end()) {
    // A tile saved with pulses not yet read re-reads at the pulse time, as its next MVM would.
    RefreshCache(meta(0, 13) != 0.0 ? t_last_pulse_ : meta(0, 6));
    return;
  }
  const Index rc = rows_ * cols_;
  ws_.g = Get(state, prefix + "cache_g", n, 1).array();
  if (opt_.read_noise) {
    ws_.sigma = Get(state, prefix + "cache_sigma", n, 1).array();
    cache_.var = Get(state, prefix + "cache_var", rows_, cols_).cast<float>();
  } else {
    cache_.var.resize(0, 0);
  }
  cache_.w_fwd = Get(state, prefix + "cache_w_fwd", rows_, cols_).cast<float>();
  cache_.w_bwd.resize(0, 0);
  cache_.col_g = Get(state, prefix + "cache_col_g", cols_, 1).array();
  cache_.row_g = Get(state, prefix + "cache_row_g", rows_, 1).array();
  cache_.t = meta(0, 6);
  const MatrixD& dirty = dirty_it->second;
  if (dirty.cols() != 1 || dirty.rows() < 1 || dirty.rows() > rc + 1) {
    throw DimensionError(StrCat("tile state: '", prefix, "cache_dirty' has a wrong shape"));
  }
  nu_max_ = dirty(0, 0);
  dirty_.clear();
  dirty_flag_.assign(static_cast<size_t>(rc), 0);
  for (Index k = 1; k < dirty.rows(); ++k) {
    const Index pos = static_cast<Index>(dirty(k, 0));
    if (pos < 0 || pos >= rc) {
      throw DimensionError(StrCat("tile state: '", prefix, "cache_dirty' names weight ", pos, ", outside [0, ", rc, ")"));
    }
    MarkDirty(pos % rows_, pos / rows_);
  }
  stale_ = meta(0, 13) != 0.0;
}

}  // namespace pcmsim::crossbar
