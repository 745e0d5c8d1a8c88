// Symmetric scaled integer quantisation (int8, int4, ...) and post-training quantisation
// helpers: per-tensor or per-channel weight scales, activation calibration, and an integer
// GEMM with exact int32 accumulation.
#pragma once

#include <cstdint>
#include <vector>

#include "pcmsim/core/types.hpp"

namespace pcmsim::numerics {

// q = clamp(round_half_even(x / scale), -qmax, qmax), qmax = 2^(bits-1) - 1 (symmetric,
// -2^(bits-1) unused); the value is q * scale. NaN maps to 0.
struct IntQuantizer {
  int bits = 8;        // code width, [2, 16]
  float scale = 1.0f;  // value of one code step, > 0

  void Validate() const;  // throws ConfigError naming field, value and constraint
  std::int32_t QMax() const { return (1 << (bits - 1)) - 1; }
  std::int32_t Encode(float x) const;
  float Value(std::int32_t q) const { return static_cast<float>(q) * scale; }
  float Quantize(float x) const { return Value(Encode(x)); }
};

// Scale that maps max_abs onto the largest code (max_abs <= 0 gives scale 1).
float SymmetricScale(double max_abs, int bits);

enum class Granularity { kPerTensor, kPerChannel };  // per channel = per output row of W

// A weight matrix (out x in) as integer codes with one scale per tensor or per row.
struct IntMatrix {
  int bits = 8;
  Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic> codes;
  std::vector<float> row_scales;  // out entries (all equal for per-tensor)
  Matrix Dequantize() const;
};

IntMatrix QuantizeWeights(const Matrix& w, int bits, Granularity granularity);

// Activation scale from calibration batches (features x batch): max |x|, or the given
// quantile of |x| (e.g. 0.999) to clip outliers. quantile in (0, 1].
float CalibrateActivationScale(const std::vector<Matrix>& batches, int bits, double quantile = 1.0);

// Whether k products of weight_bits x input_bits codes always sum exactly in int32:
// k qmax_w qmax_x < 2^31.
bool Int32AccumulationFits(Index k, int weight_bits, int input_bits);

// y = W x with x quantised by `x_quant`, codes multiplied and summed exactly in int32, then
// rescaled per row: y(i, j) = acc(i, j) * row_scale(i) * x_scale. Throws DimensionError on
// mismatched shapes and Error if int32 accumulation could overflow (k qmax_w qmax_x >= 2^31).
void IntGemm(const IntMatrix& w, const Matrix& x, const IntQuantizer& x_quant, Matrix& y);

}  // namespace pcmsim::numerics
