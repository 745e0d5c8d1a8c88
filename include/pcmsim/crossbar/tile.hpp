// crossbar::Tile: one PCM crossbar computing y = W x (and d = W^T e) in place, with the
// periphery of a real array. Weights map to conductance pairs; conductances read at the
// current time are cached as float matrices, so an MVM is one GEMM plus periphery.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "pcmsim/core/random.hpp"
#include "pcmsim/core/types.hpp"
#include "pcmsim/crossbar/tile_events.hpp"
#include "pcmsim/crossbar/tile_options.hpp"
#include "pcmsim/core/state_map.hpp"
#include "pcmsim/device/cell_array.hpp"

namespace pcmsim::crossbar {

using IntMatrix = Eigen::Matrix<int, Eigen::Dynamic, Eigen::Dynamic>;
// Named matrices for checkpoints (core's StateMap, the same type as nn::StateMap).
using TileStateMap = StateMap;

// Mapping of the weights onto conductances, fixed at Program().
struct TileMapping {
  double weight_scale = 1.0;  // max |w| of the tile at programming: the weight at g_max
  double g_lo = 0.0;          // S, bottom of the device window (both devices of w = 0)
  double g_unit = 0.0;        // S, g_max - g_lo: conductance difference of a full-scale weight
  double out_gain = 1.0;      // weight units per normalised output unit per input scale
  std::vector<double> significance;  // per pair: base^-p
};

// What the tile read at its current time (conductances with IR drop folded in, normalised
// by g_max; read-noise variances; conductance sums for read energy).
struct TileReadCache {
  double t = 0.0;          // s, absolute time of the last full read (pulsed weights may be newer)
  Matrix w_fwd;            // rows x cols, sum_p s_p (G+ - G-)_eff / g_max
  Matrix w_bwd;            // cols x rows, transposed-geometry IR drop (empty without IR drop)
  Matrix var;              // rows x cols, sum_p s_p^2 (sigma+^2 + sigma-^2) / g_max^2 (empty: off)
  ArrayD col_g;            // cols, S: sum of all devices' G on each input (column) line
  ArrayD row_g;            // rows, S: sum of all devices' G on each output (row) line
  // Amplitude encoding with a sinh I-V law: rows x cols, sum_p s_p (G+ S+ - G- S-) / g_max
  // with S the amorphous share of each cell's current, and u = V_r / V_0 (empty / 0: linear).
  Matrix w_nl;
  float iv_u = 0.0f;
};

// Drift compensation state: reference recorded after programming, factors of the last read.
struct DriftCompensationState {
  double ref_global = 0.0;  // mean |y_0| over the calibration batch
  ArrayD ref_rows;          // per output line mean |y_0|
  double alpha = 1.0;       // global factor applied to outputs
  Vector alpha_rows;        // per output line factors (kPerColumn), else empty
};

class Tile {
 public:
  // rows x cols weights (outputs x inputs); the device model builds one cell array for all
  // pairs. Random streams: MakeStream(seed, role, tile_index, call counter).
  Tile(Index rows, Index cols, const device::DeviceModel& device, const TileOptions& options,
       std::uint64_t seed, std::uint64_t tile_index);

  Index rows() const { return rows_; }
  Index cols() const { return cols_; }
  const TileOptions& options() const { return opt_; }
  const TileMapping& mapping() const { return map_; }
  const TileReadCache& cache() const { return cache_; }
  const DriftCompensationState& drift_compensation() const { return comp_; }
  device::CellArray& devices() { return *array_; }
  const device::CellArray& devices() const { return *array_; }
  // Cell index of device (pair p, sign 0 = G+ / 1 = G-, row i, col j) in devices().
  Index CellIndex(int pair, int sign, Index i, Index j) const {
    return (2 * pair + sign) * rows_ * cols_ + j * rows_ + i;
  }

  // Maps w (rows x cols) onto the pairs, largest |w| at g_max, programs at absolute time
  // t_s, reads the tile at t_s and records the drift-compensation reference there.
  // `weight_scale` > 0 maps that weight magnitude to g_max instead of max|w| (headroom for
  // training: weights may later grow up to weight_scale); it must be >= max|w|.
  void Program(const Matrix& w, double t_s, double weight_scale = 0.0);
  // Whether Forward/Backward/Weights apply the drift-compensation factors (the reference
  // and factors are kept up to date either way), to evaluate with and without.
  void SetCompensationApplied(bool on) { compensation_applied_ = on; }
  // Reads the conductances at absolute time t_s into the cache and, with drift
  // compensation, re-calibrates alpha against the reference.
  void ReadAt(double t_s);
  // Deployment calibration, as a chip does after on-device training: reads the tile at
  // absolute time t_s and records the drift-compensation reference there, so that
  // compensation is neutral at t_s and later measures drift only (not the weight changes
  // of training since Program()).
  void RecordCompensationReference(double t_s);

  // y = W x through DAC, array, noise, ADC (x: cols x batch, y: rows x batch).
  void Forward(const Eigen::Ref<const Matrix>& x, Matrix& y);
  // dx = W^T d with the backward periphery (d: rows x batch, dx: cols x batch).
  void Backward(const Eigen::Ref<const Matrix>& d, Matrix& dx);
  // The weights the cached read realises (noise-free, IR drop and alpha included).
  Matrix Weights() const;

  // Training: counts(i, j) > 0 fires that many SET pulses on G+ of pair `pair`, < 0 on G-,
  // at absolute time t_s. The cache is re-read at t_s before the next MVM.
  void ApplyPulses(const Eigen::Ref<const IntMatrix>& counts, double t_s, int pair = 0);
  // Reads both devices of every weight of `pair` (with read noise); where either exceeds
  // threshold * g_max, RESETs both and re-programs the difference onto one device.
  // Returns the number of refreshed weights.
  Index RefreshSaturated(double threshold, double t_s, int pair = 0);

  // Positions of the tile's random streams (forward MVMs, backward MVMs, calibration
  // reads). Reads and MVMs advance them; a caller that evaluates copies of a programmed
  // prototype sets them before each read, so that the read at a time is a function of the
  // positions it chose (pcmsim serve: the request's seed), not of earlier requests.
  struct StreamPositions {
    std::uint64_t forward = 0, backward = 0, calibration = 0;
  };
  StreamPositions stream_positions() const { return {forward_calls_, backward_calls_, calibration_calls_}; }
  void set_stream_positions(const StreamPositions& p) {
    forward_calls_ = p.forward;
    backward_calls_ = p.backward;
    calibration_calls_ = p.calibration;
  }

  // Cache re-reads since construction: whole tile, and pulsed weights only.
  std::int64_t full_reads() const { return full_reads_; }
  std::int64_t partial_reads() const { return partial_reads_; }

  // Event counts since construction (tile periphery + device pulses and reads).
  TileEvents Events() const;

  // Checkpoint: device state (under "<prefix>cells.", the cell array's own names), mapping,
  // drift-compensation state, read time and stream counters, each under its own name
  // "<prefix><name>"; LoadState restores them and re-reads the cache, so a resumed run
  // continues bit-identically. Event counts are not part of the state.
  void SaveState(const std::string& prefix, TileStateMap& state) const;
  void LoadState(const std::string& prefix, const TileStateMap& state);

 private:
  enum class Dir { kForward, kBackward };
  struct Workspace {
    Matrix xt, yt, sq, var_out, xs, xts, ys, x_nl, y_nl;
    Eigen::RowVectorXf scale, scale_s;
    ArrayF gauss, gauss_scratch, share, z;
    ArrayD g, sigma;          // per cell, as last read into the cache (g: expected)
    ArrayD g_read;            // frozen read noise: g + sigma z of the last full read
    ArrayD g_new, sigma_new;  // re-read of the pulsed weights' cells
    std::vector<Index> saturated, cells;
    std::vector<int> counts;
  };

  void ProgramPairs(const MatrixD& target_diff, double t_s);
  void RefreshCache(double t_s);
  Rng FrozenNoiseStream(double t_s, int kind) const;
  void Calibrate(bool record_reference);
  void Mvm(Dir dir, const Eigen::Ref<const Matrix>& x, Matrix& y, Rng& rng);
  void AnalogPass(Dir dir, const PeripheryOptions& p, const Matrix& xt, Matrix& yt, Rng& rng,
                  std::vector<Index>* saturated);
  void BoundManagement(const Eigen::Ref<const Matrix>& x, const PeripheryOptions& p, Rng& rng);
  // xt_squared: xt^2 if already computed (read-noise folding), else null.
  void CountMvm(bool forward, const PeripheryOptions& p, const Matrix& xt, const Matrix* xt_squared = nullptr);
  void EnsureFresh();
  void MarkDirty(Index i, Index j);
  void RereadDirty(double t_s);  // re-reads the cells of the weights in dirty_ at t_s
  bool CanRereadDirty(double t_s) const;

  Index rows_, cols_;
  TileOptions opt_;
  std::uint64_t seed_, tile_index_;
  std::unique_ptr<device::CellArray> array_;
  TileMapping map_;
  TileReadCache cache_;
  DriftCompensationState comp_;
  Matrix x_cal_;                    // cols x calibration_samples, fixed
  bool programmed_ = false;
  bool compensation_applied_ = true;
  bool stale_ = false;              // pulses since the last read
  std::vector<Index> dirty_;        // weights (j * rows + i) pulsed since the last read
  std::vector<std::uint8_t> dirty_flag_;  // rows * cols, 1 if in dirty_
  double drift_rate_ = 0.0;         // bound on every cell's drift rate since the last full read
  std::int64_t full_reads_ = 0, partial_reads_ = 0;
  double t_last_pulse_ = 0.0;
  std::uint64_t forward_calls_ = 0, backward_calls_ = 0, calibration_calls_ = 0;
  TileEvents events_;
  Workspace ws_;
};

}  // namespace pcmsim::crossbar
