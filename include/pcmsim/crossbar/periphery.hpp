// Periphery of a crossbar tile in normalised units: DAC on the inputs, ADC on the outputs,
// additive output noise, noise management (input scaling) and bound management (re-runs).
#pragma once

#include <cstdint>
#include <string_view>

#include "pcmsim/core/types.hpp"

namespace pcmsim::crossbar {

// Units used by the whole tile: inputs x~ are in [-1, 1] (1 = DAC full scale = v_read);
// weights w~ = (G+ - G-) / g_max are in [-1, 1]; outputs y~ = w~ x~ are in "output units"
// (the current of one full-scale input on one g_max device, g_max * v_read).

// How an input value becomes an analog signal. For linear cells both give the same
// charge; they differ in read energy (V^2 G t vs V_read^2 G |x| t) and converter kind.
enum class InputEncoding {
  kAmplitude,   // voltage proportional to x~, fixed read time
  kPulseWidth,  // fixed voltage +-v_read, duration proportional to |x~|
};

// Digital input scaling before the DAC (aihwkit NoiseManagementType).
enum class NoiseManagement {
  kNone,    // x~ = x / input_scale, clipped to [-1, 1]
  kAbsMax,  // x~ = x / max_j |x_j| per sample (each column of the batch)
};

// What happens when an output saturates the ADC (aihwkit BoundManagementType).
enum class BoundManagement {
  kNone,       // saturated outputs stay clipped
  kIterative,  // re-run saturated samples with inputs halved, up to max_bound_rounds
};

std::string_view ToString(InputEncoding e);
std::string_view ToString(NoiseManagement e);
std::string_view ToString(BoundManagement e);

// Converter and noise settings of one tile. Defaults follow aihwkit's IOParameters (code):
// inp_res = 1/(2^7-2) (7-bit DAC), out_res = 1/(2^9-2) (9-bit ADC), out_bound 12,
// out_noise 0.06, noise management ABS_MAX, bound management ITERATIVE.
// Bit convention: a b-bit converter is symmetric with 2^b - 1 levels, step
// bound / (2^(b-1) - 1), rounding to nearest (ties to even). bits = 0 means infinite
// resolution (the converter is off: no rounding; the ADC still clips at output_bound
// unless output_bound = 0, which means no clipping either).
struct PeripheryOptions {
  // DAC resolution in bits, 0 = infinite; range [0, 24]. aihwkit default 7 (code).
  int dac_bits = 7;
  // Amplitude or pulse-width input encoding.
  InputEncoding encoding = InputEncoding::kAmplitude;
  // Input scaling: kAbsMax (aihwkit default) or kNone.
  NoiseManagement noise_management = NoiseManagement::kAbsMax;
  // With kNone: the input value that maps to DAC full scale (larger |x| clip); > 0.
  double input_scale = 1.0;
  // ADC resolution in bits, 0 = infinite; range [0, 24]. aihwkit default 9 (code).
  int adc_bits = 9;
  // ADC clipping range +-output_bound in output units; 0 = no clipping (needs adc_bits = 0).
  // aihwkit default 12 (code).
  double output_bound = 12.0;
  // Std of additive Gaussian output noise in output units, >= 0. aihwkit default 0.06 (code).
  double output_noise = 0.06;
  // kIterative (aihwkit default) or kNone.
  BoundManagement bound_management = BoundManagement::kIterative;
  // Maximum number of input halvings for bound management, [0, 20]; 10 => factor 1024
  // (aihwkit: max_bm_factor 1000, code).
  int max_bound_rounds = 10;

  void Validate() const;  // ConfigError naming field, value and constraint.
};

// Step of a symmetric b-bit converter over [-bound, bound]; 0 when bits == 0 (infinite).
double QuantStep(int bits, double bound);

// In place: clip to [-bound, bound] (if bound > 0), then round to multiples of `step`
// (if step > 0). Eigen array ops, vectorised.
void ClipAndQuantize(Eigen::Ref<Matrix> m, float bound, float step);

// Per-sample input scales for noise management: max_j |x_jb| (kAbsMax, 0 -> 1) or
// input_scale (kNone). Returns a row vector of batch length.
Eigen::RowVectorXf InputScales(const Eigen::Ref<const Matrix>& x, const PeripheryOptions& opt);

// x~ = DAC(x / scale) column by column, written into `out` (resized).
void ApplyDac(const Eigen::Ref<const Matrix>& x, const Eigen::RowVectorXf& scale, const PeripheryOptions& opt,
              Matrix& out);

}  // namespace pcmsim::crossbar
