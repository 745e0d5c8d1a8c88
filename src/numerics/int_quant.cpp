// Symmetric integer quantisation and the exact int32-accumulating integer GEMM.
#include "pcmsim/numerics/int_quant.hpp"

#include <algorithm>
#include <cmath>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/core/validate.hpp"

namespace pcmsim::numerics {

void IntQuantizer::Validate() const {
  Require(bits >= 2 && bits <= 16, "bits", bits, "must be in [2, 16]");
  Require(std::isfinite(scale) && scale > 0.0f, "scale", scale, "must be finite and > 0");
}

std::int32_t IntQuantizer::Encode(float x) const {
  if (std::isnan(x)) return 0;
  const double r = std::nearbyint(static_cast<double>(x) / static_cast<double>(scale));  // ties to even
  const double qmax = QMax();
  return static_cast<std::int32_t>(std::clamp(r, -qmax, qmax));
}

float SymmetricScale(double max_abs, int bits) {
  const double qmax = (1 << (bits - 1)) - 1;
  return max_abs > 0 && std::isfinite(max_abs) ? static_cast<float>(max_abs / qmax) : 1.0f;
}

Matrix IntMatrix::Dequantize() const {
  Matrix w(codes.rows(), codes.cols());
  for (Index j = 0; j < codes.cols(); ++j) {
    for (Index i = 0; i < codes.rows(); ++i)
      w(i, j) = static_cast<float>(codes(i, j)) * row_scales[static_cast<size_t>(i)];
  }
  return w;
}

IntMatrix QuantizeWeights(const Matrix& w, int bits, Granularity granularity) {
  IntQuantizer{bits, 1.0f}.Validate();
  IntMatrix out;
  out.bits = bits;
  out.codes.resize(w.rows(), w.cols());
  out.row_scales.assign(static_cast<size_t>(w.rows()), 1.0f);
  const float tensor_scale = SymmetricScale(w.size() ? w.cwiseAbs().maxCoeff() : 0.0, bits);
  for (Index i = 0; i < w.rows(); ++i) {
    const float s =
        granularity == Granularity::kPerTensor ? tensor_scale : SymmetricScale(w.row(i).cwiseAbs().maxCoeff(), bits);
    out.row_scales[static_cast<size_t>(i)] = s;
    const IntQuantizer q{bits, s};
    for (Index j = 0; j < w.cols(); ++j) out.codes(i, j) = q.Encode(w(i, j));
  }
  return out;
}

float CalibrateActivationScale(const std::vector<Matrix>& batches, int bits, double quantile) {
  Require(quantile > 0.0 && quantile <= 1.0, "quantile", quantile, "must be in (0, 1]");
  std::vector<float> mags;
  for (const Matrix& b : batches) {
    for (Index i = 0; i < b.size(); ++i) mags.push_back(std::fabs(b.data()[i]));
  }
  if (mags.empty()) return 1.0f;
  const auto k = static_cast<size_t>(std::ceil(quantile * static_cast<double>(mags.size()))) - 1;
  std::nth_element(mags.begin(), mags.begin() + static_cast<std::ptrdiff_t>(k), mags.end());
  return SymmetricScale(mags[k], bits);
}

bool Int32AccumulationFits(Index k, int weight_bits, int input_bits) {
  const double qw = std::ldexp(1.0, weight_bits - 1) - 1.0, qx = std::ldexp(1.0, input_bits - 1) - 1.0;
  return static_cast<double>(k) * qw * qx < 2147483648.0;
}

void IntGemm(const IntMatrix& w, const Matrix& x, const IntQuantizer& x_quant, Matrix& y) {
  x_quant.Validate();
  if (w.codes.cols() != x.rows()) {
    throw DimensionError(
        StrCat("IntGemm: weights ", w.codes.rows(), "x", w.codes.cols(), " times input ", x.rows(), "x", x.cols()));
  }
  if (!Int32AccumulationFits(w.codes.cols(), w.bits, x_quant.bits)) {
    throw Error(StrCat("IntGemm: int32 accumulation could overflow (k = ", x.rows(), ")"));
  }
  Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic> xq(x.rows(), x.cols());
  for (Index i = 0; i < x.size(); ++i) xq.data()[i] = x_quant.Encode(x.data()[i]);
  y.resize(w.codes.rows(), x.cols());
  ParallelFor(x.cols(), 16, [&](Index j0, Index j1) {
    const Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic> acc = w.codes * xq.middleCols(j0, j1 - j0);
    for (Index j = j0; j < j1; ++j) {
      for (Index i = 0; i < y.rows(); ++i) {
        y(i, j) = static_cast<float>(static_cast<double>(acc(i, j - j0)) * w.row_scales[static_cast<size_t>(i)] *
                                     x_quant.scale);
      }
    }
  });
}

}  // namespace pcmsim::numerics
