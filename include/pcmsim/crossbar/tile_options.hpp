// Options of a crossbar tile: weight mapping, periphery per direction, IR drop, read
// noise folding, drift compensation, programming method and tiling limits.
#pragma once

#include <string_view>

#include "pcmsim/core/types.hpp"
#include "pcmsim/crossbar/periphery.hpp"
#include "pcmsim/device/read_iv.hpp"

namespace pcmsim::crossbar {

// Digital correction of the conductance decay (PHYSICS.md sec. 1, aihwkit GlobalDriftCompensation).
enum class DriftCompensation {
  kNone,       // outputs as read
  kGlobal,     // alpha = mean|y_0| / mean|y_t| over all outputs of a calibration batch
  kPerColumn,  // one alpha per output line (ADC column)
};

// How the fast IR-drop model or the exact solve is used at read time.
enum class IrDropModel {
  kFast,   // first-order effective conductance (ir_drop.hpp), any size
  kExact,  // exact nodal solve at each read: only for tiles up to 128 x 128
};

// How target conductances are written.
enum class ProgramMethod {
  kStatistical,    // one-shot statistical fit (device ProgramStatistical)
  kProgramVerify,  // iterative program-and-verify (device ProgramVerify)
};

// How per-device read noise enters an MVM (with read_noise on). A modelling choice with a
// cost; README "Read noise: per MVM or frozen per read".
enum class ReadNoiseModel {
  // Every sample of every MVM sees fresh noise on every device. Output i uses only the
  // devices of row i, so the noise is referred to the output exactly (in distribution) as
  // one Gaussian of variance sum_j sigma_ij^2 x_j^2 per output and sample. Costs a second
  // GEMM (sigma^2 times x^2) per MVM.
  kPerMvm,
  // One realisation per read: each read of the tile (programming, ReadAt at an evaluation
  // time, training re-reads) draws every device's noise once, keyed by the read time, and
  // folds it into the cached conductances; all MVMs until the next read see the same noisy
  // devices (as aihwkit's inference tiles do). One GEMM per MVM, as without read noise.
  kFrozen,
};

std::string_view ToString(DriftCompensation e);
std::string_view ToString(ReadNoiseModel e);
std::string_view ToString(IrDropModel e);
std::string_view ToString(ProgramMethod e);

struct TileOptions {
  // Largest tile; bigger matrices are split (AnalogMatrix). aihwkit's default tile is
  // 512 x 512 (code, MappingParameter max_input_size/max_output_size). [1, 65536].
  Index max_rows = 512;  // outputs per tile
  Index max_cols = 512;  // inputs per tile
  // Conductance pairs per weight, [1, 4]. Pair p carries significance base^-p; pair 0
  // holds the weight, later pairs are programmed with the residual error of the earlier ones.
  int pairs_per_weight = 1;
  // Significance ratio between consecutive pairs, [1, 256]; e.g. 8 (assumption, sweep it).
  double significance_base = 8.0;
  PeripheryOptions forward;   // periphery of y = W x
  PeripheryOptions backward;  // periphery of d = W^T e; bound management is not used here
  // Wire resistance per cell pitch, ohm, >= 0 (0 = no IR drop). Assumption: ~1 ohm per
  // pitch for fine metal lines at 25 uS cells; sweep it.
  double r_wire = 0.0;
  IrDropModel ir_drop_model = IrDropModel::kFast;  // kExact: tiles up to 128 x 128 only
  // Per-device read noise (device ReadNoiseStd at the read time), as read_noise_model says.
  bool read_noise = true;
  // Per MVM (today's default, bit-identical to earlier results) or frozen per read.
  ReadNoiseModel read_noise_model = ReadNoiseModel::kPerMvm;
  DriftCompensation drift_compensation = DriftCompensation::kGlobal;
  // Sample vectors in the drift-compensation calibration batch, [1, 65536]; inputs are a
  // fixed uniform [-1, 1] draw of the tile's "drift_cal" stream.
  Index calibration_samples = 32;
  ProgramMethod program_method = ProgramMethod::kStatistical;
  // Training re-reads: after pulses, only the pulsed weights are re-read while every other
  // cached conductance is provably within this relative error of its value now (bound:
  // nu_max * ln(1 + dt / t0) since the last full read); beyond it the whole tile is
  // re-read. [0, 0.1]; 0 = re-read the whole tile after every pulse step (exact). Tiles
  // with IR drop always re-read in full (the drop couples all cells). 1e-3 is far below
  // the read noise (~3 %); sweep it. The bound is on conductances; the cached read-noise
  // variances age on their own 1/f clock and stay within a few times the tolerance.
  double reread_tolerance = 1e-3;
  // Read voltage of a full-scale input (V), > 0, and MVM integration time (s), > 0: only
  // used to count read energy. 0.2 V / 250 ns as in ENERGY.md (derived example).
  double v_read = 0.2;
  double t_integration = 250e-9;
  // How DAC outputs drive the lines (key input_encoding = "pulse_width" | "amplitude"):
  // pulse width (fixed read voltage, duration ~ |x|) is linear; amplitude (voltage ~ x) sees
  // the device's sinh I-V law on the amorphous share of each cell's current (device read.iv_*;
  // nothing changes when the device is ohmic). With amplitude encoding the nonlinear part
  // ignores IR drop (an approximation) and training re-reads are always full.
  device::InputEncoding input_encoding = device::InputEncoding::kPulseWidth;

  void Validate() const;  // ConfigError naming field, value and constraint
};

}  // namespace pcmsim::crossbar
