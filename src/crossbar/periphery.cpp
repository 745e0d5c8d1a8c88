// DAC/ADC quantisation, input scaling and option validation of the tile periphery.
#include "pcmsim/crossbar/periphery.hpp"

#include <cmath>

#include "pcmsim/core/validate.hpp"

namespace pcmsim::crossbar {

std::string_view ToString(InputEncoding e) {
  return e == InputEncoding::kAmplitude ? "amplitude" : "pulse_width";
}
std::string_view ToString(NoiseManagement e) {
  return e == NoiseManagement::kNone ? "none" : "abs_max";
}
std::string_view ToString(BoundManagement e) {
  return e == BoundManagement::kNone ? "none" : "iterative";
}

void PeripheryOptions::Validate() const {
  Require(dac_bits >= 0 && dac_bits <= 24, "dac_bits", dac_bits, "must be in [0, 24] (0 = infinite)");
  Require(adc_bits >= 0 && adc_bits <= 24, "adc_bits", adc_bits, "must be in [0, 24] (0 = infinite)");
  Require(std::isfinite(input_scale) && input_scale > 0, "input_scale", input_scale,
              "must be finite and > 0");
  Require(std::isfinite(output_bound) && output_bound >= 0, "output_bound", output_bound,
              "must be finite and >= 0 (0 = no clipping)");
  Require(!(adc_bits > 0 && output_bound == 0), "output_bound", output_bound,
              "must be > 0 when adc_bits > 0 (a finite ADC needs a range)");
  Require(std::isfinite(output_noise) && output_noise >= 0, "output_noise", output_noise,
              "must be finite and >= 0");
  Require(max_bound_rounds >= 0 && max_bound_rounds <= 20, "max_bound_rounds", max_bound_rounds,
              "must be in [0, 20]");
}

double QuantStep(int bits, double bound) {
  if (bits <= 0) return 0.0;
  return bound / (std::ldexp(1.0, bits - 1) - 1.0);
}

void ClipAndQuantize(Eigen::Ref<Matrix> m, float bound, float step) {
  if (step > 0.0f) {
    const float inv = 1.0f / step;
    if (bound > 0.0f) {
      m = (m.array().max(-bound).min(bound) * inv).rint() * step;
    } else {
      m = (m.array() * inv).rint() * step;
    }
  } else if (bound > 0.0f) {
    m = m.array().max(-bound).min(bound);
  }
}

Eigen::RowVectorXf InputScales(const Eigen::Ref<const Matrix>& x, const PeripheryOptions& opt) {
  if (opt.noise_management == NoiseManagement::kNone) {
    return Eigen::RowVectorXf::Constant(x.cols(), static_cast<float>(opt.input_scale));
  }
  Eigen::RowVectorXf s = x.cwiseAbs().colwise().maxCoeff();
  // An all-zero sample gives y = 0 whatever its scale; 1 avoids 0/0.
  s = (s.array() > 0.0f).select(s, 1.0f);
  return s;
}

void ApplyDac(const Eigen::Ref<const Matrix>& x, const Eigen::RowVectorXf& scale, const PeripheryOptions& opt,
              Matrix& out) {
  out.resize(x.rows(), x.cols());
  const Eigen::RowVectorXf inv = scale.cwiseInverse();
  out.noalias() = x * inv.asDiagonal();
  ClipAndQuantize(out, 1.0f, static_cast<float>(QuantStep(opt.dac_bits, 1.0)));
}

}  // namespace pcmsim::crossbar
