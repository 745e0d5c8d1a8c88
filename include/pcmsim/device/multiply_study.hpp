// `pcmsim device --study multiply`: the precision of in-memory scalar multiplication y = x w
// on single cells, read over time and ambient temperature, with inputs encoded by read-voltage
// amplitude or by pulse width. Library code: returns numbers, does no I/O.
//
// Setup. `cells` cells are programmed at t = 0 and T_ref to weights w uniform in [0, 1],
// mapped linearly onto the cell window: G_T = g_lo + w (g_max - g_lo). Every cell gets one
// input x from a uniform grid of 2^input_bits levels over [0, 1] (the same for all conditions).
// One noisy read right after programming (t = 0, T_ref, at V_r) is the "calibration" of each
// cell. At each time t and temperature T a fresh noisy read gives the current
//   I = CellCurrent(G_read, share, x, u, encoding)     (see read_iv.hpp)
// and the product estimate p = (alpha I - g_lo x) / (g_max - g_lo) (the offset g_lo x is
// removed digitally, as a reference column would).
// References. (a) "target": x w with the target weight; (b) "calibrated": x w_cal with w_cal
// from the calibration read (programming error removed, what remains is drift, 1/f noise,
// temperature and I-V nonlinearity).
// Compensation alpha. "none": 1. "temperature_model": the conductance ratio a nominal cell is
// predicted to have at the known T (an on-chip sensor), 1 / [(theta(T) + k pf(T)) / (1 + k)],
// no drift correction. "global": mean(reference weights' G) / mean(a separate noisy read of all
// cells at (t, T)) (global drift compensation: the "simple model" a crossbar can apply).
// Metrics. bits_rms = log2(1 / (sqrt(12) rms(p - ref))): the resolution of an ideal uniform
// quantiser of the product range [0, 1] with the same rms error; bits_p99 = log2(1 / (2 q99)),
// q99 = 99th percentile of |p - ref|: the bits at which 99 % of products lie within half an
// LSB. Both capped at 53 bits (the ideal device).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pcmsim/core/types.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "pcmsim/device/read_iv.hpp"

namespace pcmsim::device {

struct MultiplyStudyOptions {
  Index cells = 20000;          // cells (one product each per condition), >= 100
  std::uint64_t seed = 1;       // master seed
  bool program_verify = true;   // program by P&V (else the statistical fit)
  int input_bits = 8;           // inputs on 2^bits levels over [0, 1], in [1, 16]
  std::vector<double> times_s = {1.0, 3600.0, 86400.0, 2592000.0, 31536000.0};  // since programming
  std::vector<double> temperatures_K = {300.0, 330.0, 360.0};
  void Validate() const;  // ConfigError naming the option
};

enum class MultiplyReference { kTarget = 0, kCalibrated = 1 };
enum class MultiplyCompensation { kNone = 0, kTemperatureModel = 1, kGlobal = 2 };
std::string_view ToString(MultiplyReference r);
std::string_view ToString(MultiplyCompensation c);

struct MultiplyStudyResult {
  std::string device_name;
  double g_lo = 0.0, g_max = 0.0;  // S, cell window
  std::vector<double> times_s, temperatures_K;
  double pv_rms_error = 0.0;       // S, residual of P&V (noise-free G at t0 - target)
  double pv_mean_pulses = 0.0;
  double calibration_rms = 0.0;    // S, rms(calibration read - target)
  // bits[ref][encoding][compensation] is a temperatures x times matrix.
  static constexpr int kRefs = 2, kEncodings = 2, kComps = 3;
  MatrixD bits_rms[kRefs][kEncodings][kComps];
  MatrixD bits_p99[kRefs][kEncodings][kComps];
  const MatrixD& Rms(MultiplyReference r, InputEncoding e, MultiplyCompensation c) const {
    return bits_rms[int(r)][int(e)][int(c)];
  }
  const MatrixD& P99(MultiplyReference r, InputEncoding e, MultiplyCompensation c) const {
    return bits_p99[int(r)][int(e)][int(c)];
  }
};

MultiplyStudyResult RunMultiplyStudy(const PcmParams& params, const MultiplyStudyOptions& options);

// bits_rms of a product error rms over the unit product range (capped at 53).
double ProductBitsRms(double rms);
// bits_p99 of a 99th-percentile absolute error (capped at 53).
double ProductBitsP99(double q99);
// Predicted G(T)/G(T_ref) of a nominal cell right after programming (no drift, E_a at the
// preset's activation_energy_eV, projection share k / (1 + k)): the temperature model.
double NominalTemperatureRatio(const PcmParams& params, double kelvin);

}  // namespace pcmsim::device
