// Post-training integer quantisation of a trained network, evaluated on the test set:
// weights to int8/int4 codes (per tensor or per output channel), layer inputs to the same
// width with scales calibrated on training samples, exact int32 accumulation
// (numerics::IntGemm), float biases and activations between layers.
#pragma once

#include <string>
#include <vector>

#include "pcmsim/io/h5.hpp"
#include "pcmsim/io/idx.hpp"
#include "pcmsim/nn/network.hpp"

namespace pcmsim::experiment {

struct PtqOptions {
  // Code widths to evaluate, each in [2, 16]; empty = off. Wide codes on long rows can
  // overflow the int32 accumulator (IntGemm refuses: k qmax_w qmax_x must stay < 2^31).
  std::vector<std::int64_t> bits;
  Index calibration_samples = 1000;  // first training samples used for activation scales, >= 1
  // Quantile of |x| mapped to the largest code, (0, 1] (1 = max |x|, no clipping).
  double activation_quantile = 1.0;
  void Validate() const;  // ConfigError naming ptq.<field>
};

struct PtqResult {
  std::string name;       // e.g. "int8_per_channel"
  int bits = 8;
  bool per_channel = false;
  double accuracy = 0.0;  // fraction of the test set
};

// One result per width x {per tensor, per channel}. The network itself is not changed.
std::vector<PtqResult> EvaluatePtq(const nn::Network& mlp, const io::Dataset& calibration, const io::Dataset& test,
                                   const PtqOptions& o);

// /summary/ptq: one attribute per result (accuracy), plus calibration settings.
void WritePtq(io::H5Writer& out, const std::vector<PtqResult>& results, const PtqOptions& o);

}  // namespace pcmsim::experiment
