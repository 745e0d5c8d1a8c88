// Integer quantisation: code rounding and clamping, per-channel vs per-tensor error,
// calibration quantiles, and the int32 GEMM against an exact int64 reference.
#include "pcmsim/numerics/int_quant.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/random.hpp"

namespace pcmsim::numerics {
namespace {

TEST(IntQuant, RoundsHalfEvenAndClamps) {
  const IntQuantizer q{8, 0.5f};
  EXPECT_EQ(q.Encode(0.25f), 0);  // 0.5 code -> even 0
  EXPECT_EQ(q.Encode(0.75f), 2);  // 1.5 -> 2
  EXPECT_EQ(q.Encode(-0.75f), -2);
  EXPECT_EQ(q.Encode(1000.0f), 127);
  EXPECT_EQ(q.Encode(-1000.0f), -127);  // symmetric: -128 unused
  EXPECT_EQ(q.Encode(std::nanf("")), 0);
  EXPECT_EQ(IntQuantizer({4, 1.0f}).Encode(9.0f), 7);
  EXPECT_THROW(IntQuantizer({1, 1.0f}).Validate(), ConfigError);
  EXPECT_THROW(IntQuantizer({8, 0.0f}).Validate(), ConfigError);
}

Matrix RowScaledMatrix(Index r, Index c, std::uint64_t seed) {
  Rng rng(seed);
  Matrix m(r, c);
  for (Index i = 0; i < r; ++i) {
    const double row_scale = std::pow(10.0, -2.0 * static_cast<double>(i) / static_cast<double>(r));
    for (Index j = 0; j < c; ++j) m(i, j) = static_cast<float>(row_scale * (rng.Uniform() * 2 - 1));
  }
  return m;
}

TEST(IntQuant, ErrorBoundedByHalfStepAndPerChannelWins) {
  const Matrix w = RowScaledMatrix(32, 64, 1);
  for (int bits : {8, 4}) {
    const IntMatrix pt = QuantizeWeights(w, bits, Granularity::kPerTensor);
    const IntMatrix pc = QuantizeWeights(w, bits, Granularity::kPerChannel);
    const Matrix dt = pt.Dequantize(), dc = pc.Dequantize();
    for (Index i = 0; i < w.rows(); ++i) {
      EXPECT_LE((dc.row(i) - w.row(i)).cwiseAbs().maxCoeff(), 0.5f * pc.row_scales[static_cast<size_t>(i)] * 1.0001f);
      EXPECT_LE((dt.row(i) - w.row(i)).cwiseAbs().maxCoeff(), 0.5f * pt.row_scales[0] * 1.0001f);
    }
    EXPECT_LT((dc - w).norm(), 0.5 * (dt - w).norm()) << bits;  // rows span 2 decades
  }
}

TEST(IntQuant, CalibrationQuantileClipsOutliers) {
  Matrix b = Matrix::Constant(10, 100, 1.0f);
  b(3, 7) = 100.0f;  // one outlier in 1000
  EXPECT_FLOAT_EQ(CalibrateActivationScale({b}, 8, 1.0), 100.0f / 127);
  EXPECT_FLOAT_EQ(CalibrateActivationScale({b}, 8, 0.99), 1.0f / 127);
}

TEST(IntQuant, GemmEqualsExactIntegerReference) {
  const Matrix w = RowScaledMatrix(17, 300, 2);
  Rng rng(3);
  Matrix x(300, 9);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.Uniform() * 4 - 2);
  const IntMatrix wq = QuantizeWeights(w, 8, Granularity::kPerChannel);
  const IntQuantizer xq{8, CalibrateActivationScale({x}, 8)};
  Matrix y;
  IntGemm(wq, x, xq, y);
  for (Index i = 0; i < y.rows(); ++i) {
    for (Index j = 0; j < y.cols(); ++j) {
      std::int64_t acc = 0;
      for (Index k = 0; k < x.rows(); ++k) acc += std::int64_t{wq.codes(i, k)} * xq.Encode(x(k, j));
      const double want = static_cast<double>(acc) * wq.row_scales[static_cast<size_t>(i)] * xq.scale;
      EXPECT_EQ(y(i, j), static_cast<float>(want));
    }
  }
  // And it approximates the FP32 product: error ~ quantisation noise, far below the signal.
  EXPECT_LT((y - w * x).norm() / (w * x).norm(), 0.02);
  EXPECT_THROW(
      IntGemm(QuantizeWeights(Matrix::Ones(2, 200000), 8, Granularity::kPerTensor), Matrix::Ones(200000, 1), xq, y),
      Error);
}

}  // namespace
}  // namespace pcmsim::numerics
