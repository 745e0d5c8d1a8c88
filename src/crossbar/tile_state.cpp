// Tile checkpoints: the cell array's named state, mapping, compensation, read cache and
// stream counters, each entry under its own name (never by position in a row).
#include <cmath>

#include "pcmsim/core/error.hpp"
#include "pcmsim/crossbar/tile.hpp"

namespace pcmsim::crossbar {

void Tile::SaveState(const std::string& prefix, TileStateMap& state) const {
  array_->SaveState(prefix + "cells.", state);
  const auto put = [&](const char* name, double v) { PutScalar(state, prefix + name, v); };
  put("weight_scale", map_.weight_scale);
  put("g_lo", map_.g_lo);
  put("g_unit", map_.g_unit);
  put("out_gain", map_.out_gain);
  put("comp_ref_global", comp_.ref_global);
  put("comp_alpha", comp_.alpha);
  put("read_time", cache_.t);
  put("last_pulse_time", t_last_pulse_);
  put("programmed", programmed_ ? 1.0 : 0.0);
  put("forward_calls", double(forward_calls_));
  put("backward_calls", double(backward_calls_));
  put("calibration_calls", double(calibration_calls_));
  put("stale", stale_ ? 1.0 : 0.0);
  state[prefix + "ref_rows"] = comp_.ref_rows.size() == rows_ ? MatrixD(comp_.ref_rows.matrix()) : MatrixD::Zero(rows_, 1);
  state[prefix + "alpha_rows"] =
      comp_.alpha_rows.size() == rows_ ? MatrixD(comp_.alpha_rows.cast<double>()) : MatrixD::Ones(rows_, 1);
  // The read cache itself (pulsed weights are re-read on their own, so it is not a function
  // of the device state alone); IR-drop tiles always re-read in full and need none of it.
  if (!programmed_ || opt_.r_wire > 0.0) return;
  state[prefix + "cache_g"] = ws_.g.matrix();
  if (opt_.read_noise) {
    state[prefix + "cache_sigma"] = ws_.sigma.matrix();
    if (cache_.var.size() > 0) state[prefix + "cache_var"] = cache_.var.cast<double>();  // per-MVM model only
  }
  state[prefix + "cache_w_fwd"] = cache_.w_fwd.cast<double>();
  state[prefix + "cache_col_g"] = cache_.col_g.matrix();
  state[prefix + "cache_row_g"] = cache_.row_g.matrix();
  put("cache_drift_rate", drift_rate_);
  if (dirty_.empty()) return;  // no entry for no pulsed weights (HDF5 keeps no empty datasets)
  MatrixD dirty(static_cast<Index>(dirty_.size()), 1);
  for (size_t k = 0; k < dirty_.size(); ++k) dirty(static_cast<Index>(k), 0) = static_cast<double>(dirty_[k]);
  state[prefix + "cache_dirty"] = dirty;
}

void Tile::LoadState(const std::string& prefix, const TileStateMap& state) {
  const Index n = array_->size();
  array_->LoadState(prefix + "cells.", state);
  const auto get = [&](const char* name) { return GetScalar(state, prefix + name); };
  const auto count = [&](const char* name) { return GetCount(state, prefix + name); };
  map_.weight_scale = get("weight_scale");
  map_.g_lo = get("g_lo");
  map_.g_unit = get("g_unit");
  map_.out_gain = get("out_gain");
  comp_.ref_global = get("comp_ref_global");
  comp_.alpha = get("comp_alpha");
  const double read_time = get("read_time");
  t_last_pulse_ = get("last_pulse_time");
  programmed_ = get("programmed") != 0.0;
  forward_calls_ = count("forward_calls");
  backward_calls_ = count("backward_calls");
  calibration_calls_ = count("calibration_calls");
  const bool saved_stale = get("stale") != 0.0;
  comp_.ref_rows = GetState(state, prefix + "ref_rows", rows_, 1).array();
  comp_.alpha_rows.resize(0);
  if (opt_.drift_compensation == DriftCompensation::kPerColumn) {
    comp_.alpha_rows = GetState(state, prefix + "alpha_rows", rows_, 1).cast<float>();
  }
  stale_ = false;
  if (!programmed_) return;
  if (opt_.r_wire > 0.0 || state.find(prefix + "cache_w_fwd") == state.end()) {
    // A tile saved with pulses not yet read re-reads at the pulse time, as its next MVM would.
    RefreshCache(saved_stale ? t_last_pulse_ : read_time);
    return;
  }
  const Index rc = rows_ * cols_;
  ws_.g = GetState(state, prefix + "cache_g", n, 1).array();
  cache_.var.resize(0, 0);
  if (opt_.read_noise) ws_.sigma = GetState(state, prefix + "cache_sigma", n, 1).array();
  if (opt_.read_noise && opt_.read_noise_model == ReadNoiseModel::kPerMvm) {
    cache_.var = GetState(state, prefix + "cache_var", rows_, cols_).cast<float>();
  }
  cache_.w_fwd = GetState(state, prefix + "cache_w_fwd", rows_, cols_).cast<float>();
  cache_.w_bwd.resize(0, 0);
  cache_.col_g = GetState(state, prefix + "cache_col_g", cols_, 1).array();
  cache_.row_g = GetState(state, prefix + "cache_row_g", rows_, 1).array();
  cache_.t = read_time;
  drift_rate_ = get("cache_drift_rate");
  dirty_.clear();
  dirty_flag_.assign(static_cast<size_t>(rc), 0);
  const auto dirty_it = state.find(prefix + "cache_dirty");
  const MatrixD dirty = dirty_it == state.end() ? MatrixD(0, 1) : dirty_it->second;
  if (dirty.cols() != 1 || dirty.rows() > rc) {
    throw DimensionError(StrCat("tile state: '", prefix, "cache_dirty' has a wrong shape"));
  }
  for (Index k = 0; k < dirty.rows(); ++k) {
    const Index pos = static_cast<Index>(dirty(k, 0));
    if (pos < 0 || pos >= rc) {
      throw DimensionError(StrCat("tile state: '", prefix, "cache_dirty' names weight ", pos, ", outside [0, ", rc, ")"));
    }
    MarkDirty(pos % rows_, pos / rows_);
  }
  stale_ = saved_stale;
}

}  // namespace pcmsim::crossbar
