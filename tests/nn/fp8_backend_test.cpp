// Fp8Backend: ideal-limit equivalence with FP32 (formats fp32, CL = inf), gradients vs the
// FP32 gradient, unbiased stochastic update below one ulp, options parsing and counts.
#include "pcmsim/nn/fp8_backend.hpp"
#include "pcmsim/experiment/options_load.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/io/config.hpp"
#include "pcmsim/nn/fp32_backend.hpp"
#include "pcmsim/numerics/convert.hpp"
#include "test_util.hpp"

namespace pcmsim::nn {
namespace {

using testing::SameBits;

Matrix RandomMatrix(Index r, Index c, std::uint64_t seed, float scale = 1.0f) {
  Rng rng(seed);
  Matrix m(r, c);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = scale * static_cast<float>(rng.Uniform() * 2 - 1);
  return m;
}

Fp8Options AllFp32() {
  Fp8Options o;
  o.data_format = o.accum_format = o.master_format = "fp32";
  o.chunk = 0;
  o.update_rounding = numerics::Rounding::kNearest;
  return o;
}

TEST(Fp8Backend, Fp32FormatsEqualFp32Backend) {
  const Matrix w = RandomMatrix(12, 20, 1), x = RandomMatrix(20, 7, 2), dy = RandomMatrix(12, 7, 3);
  Fp8Backend fp8(20, 12, AllFp32(), 5);
  Fp32Backend ref(20, 12);
  fp8.SetWeights(w);
  ref.SetWeights(w);
  Matrix y8, yr, dx8, dxr;
  fp8.Forward(x, y8, Pass::kTrain);
  ref.Forward(x, yr, Pass::kTrain);
  EXPECT_EQ(y8, yr);
  fp8.Backward(dy, dx8);
  ref.Backward(dy, dxr);
  EXPECT_EQ(dx8, dxr);
  SgdStep step;
  step.lr = 0.1f;
  step.momentum = 0.9f;
  step.weight_decay = 1e-3f;
  for (int s = 0; s < 3; ++s) {
    step.step = s;
    fp8.Update(x, dy, step);
    ref.Update(x, dy, step);
  }
  EXPECT_EQ(fp8.Weights(), ref.Weights());
}

// LayerBackend's batch-rows defaults (FP8 does not override them) give the transposes of
// the column forms bit for bit, including the stochastic update's streams; FP32's own
// batch-rows kernels agree with its column GEMMs to rounding. Shapes of conv2 of LeNet.
TEST(Fp8Backend, BatchRowsDefaultsAreTheTransposedColumnForms) {
  const Index in = 150, out = 16, n = 700;
  const Matrix w = RandomMatrix(out, in, 1, 0.1f), x = RandomMatrix(in, n, 2), dy = RandomMatrix(out, n, 3, 0.01f);
  const Matrix xt = x.transpose(), dyt = dy.transpose();
  Fp8Backend cols(in, out, Fp8Options{}, 5), rows(in, out, Fp8Options{}, 5);
  EXPECT_FALSE(rows.TakesBatchRows());
  cols.SetWeights(w);
  rows.SetWeights(w);
  SgdStep step;
  step.lr = 0.05f;
  step.momentum = 0.9f;
  Matrix y, yt, dx, dxt;
  for (int s = 0; s < 3; ++s) {
    step.step = s;
    cols.Forward(x, y, Pass::kTrain);
    rows.ForwardRows(xt, yt, Pass::kTrain);
    EXPECT_TRUE(SameBits(yt, Matrix(y.transpose())));
    cols.Backward(dy, dx);
    rows.BackwardRows(dyt, dxt);
    EXPECT_TRUE(SameBits(dxt, Matrix(dx.transpose())));
    cols.Update(x, dy, step);
    rows.UpdateRows(xt, dyt, step);
    EXPECT_TRUE(SameBits(rows.Weights(), cols.Weights())) << "step " << s;
  }

  Fp32Backend fc(in, out), fr(in, out);
  EXPECT_TRUE(fr.TakesBatchRows());
  fc.SetWeights(w);
  fr.SetWeights(w);
  fc.Forward(x, y, Pass::kTrain);
  fr.ForwardRows(xt, yt, Pass::kTrain);
  EXPECT_LT((yt - y.transpose()).cwiseAbs().maxCoeff(), 1e-5f);
  fc.Backward(dy, dx);
  fr.BackwardRows(dyt, dxt);
  EXPECT_LT((dxt - dx.transpose()).cwiseAbs().maxCoeff(), 1e-6f);
  fc.Update(x, dy, step);
  fr.UpdateRows(xt, dyt, step);
  EXPECT_LT((fr.Weights() - fc.Weights()).cwiseAbs().maxCoeff(), 1e-6f);
  EXPECT_GT((fr.Weights() - w).cwiseAbs().maxCoeff(), 1e-4f);  // the step did move the weights
}

TEST(Fp8Backend, Fp8GradientCloseToFp32Gradient) {
  // lr = 1, fp32 master, nearest: W_before - W_after is the FP8 gradient dY X^T.
  Fp8Options o;
  o.master_format = "fp32";
  o.update_rounding = numerics::Rounding::kNearest;
  const Matrix w = RandomMatrix(16, 40, 4), x = RandomMatrix(40, 32, 5), dy = RandomMatrix(16, 32, 6, 0.01f);
  Fp8Backend b(40, 16, o, 7);
  b.SetWeights(w);
  SgdStep step;
  step.lr = 1.0f;
  b.Update(x, dy, step);
  const Matrix g8 = w - b.Weights();
  const Matrix g32 = dy * x.transpose();
  // fp8 (1,5,2) relative rounding error <= 2^-3 per operand (rms ~ 2^-3 / sqrt(3) = 0.07 per
  // operand, ~0.1 per product); over 32-term sums of mixed signs the Frobenius relative error
  // stays near 0.1: bound 0.25. A wrong transpose or dropped term would give ~1.
  const double rel = (g8 - g32).norm() / g32.norm();
  EXPECT_LT(rel, 0.25) << rel;
  EXPECT_GT(rel, 0.0);  // it is really quantised
  // And it is exactly the low-precision GEMM of the quantised operands.
  numerics::LowpGemmOptions go;
  go.a_format = go.b_format = numerics::FormatByName("fp8_152");
  go.accum_format = go.product_format = numerics::FormatByName("fp16_169");
  go.chunk = 64;
  Matrix want;
  numerics::LowpGemm(dy, false, x, true, want, go);
  EXPECT_EQ((w - want).eval(), b.Weights());
}

TEST(Fp8Backend, ForwardMatchesLowpGemmAndIsThreadInvariant) {
  const Matrix w = RandomMatrix(33, 70, 8, 0.2f), x = RandomMatrix(70, 9, 9);
  Fp8Backend b(70, 33, Fp8Options{}, 3);
  b.SetWeights(w);
  const int saved = NumThreads();
  Matrix y1, y2;
  SetNumThreads(1);
  b.Forward(x, y1, Pass::kEval);
  SetNumThreads(2);
  b.Forward(x, y2, Pass::kEval);
  SetNumThreads(saved);
  EXPECT_EQ(y1, y2);
  const double rel = (y1 - b.Weights() * x).norm() / (b.Weights() * x).norm();
  EXPECT_LT(rel, 0.25);
}

TEST(Fp8Backend, StochasticUpdateIsUnbiasedBelowOneUlp) {
  // All weights 1.0 (ulp 2^-9 in (1,6,9) above 1, 2^-10 below); an update of
  // -(5/16) 2^-10 moves w down one step with probability 5/16. Nearest never moves it.
  constexpr Index kOut = 100, kIn = 200;
  const double ulp_below = std::ldexp(1.0, -10), p = 0.3125, d = p * ulp_below;
  const Matrix x = Matrix::Ones(kIn, 1);  // dW = dy x^T = d
  const Matrix dy = Matrix::Constant(kOut, 1, static_cast<float>(d));
  for (auto rounding : {numerics::Rounding::kStochastic, numerics::Rounding::kNearest}) {
    Fp8Options o;
    o.data_format = "fp16_169";  // d and 1 exact in the GEMM operands
    o.update_rounding = rounding;
    Fp8Backend b(kIn, kOut, o, 11);
    b.SetWeights(Matrix::Constant(kOut, kIn, 1.0f));
    SgdStep step;
    step.lr = 1.0f;
    b.Update(x, dy, step);
    const Matrix w = b.Weights();
    const double moved = (w.array() < 1.0f).cast<double>().sum() / static_cast<double>(w.size());
    EXPECT_TRUE(((w.array() == 1.0f) || (w.array() == static_cast<float>(1.0 - ulp_below))).all());
    if (rounding == numerics::Rounding::kStochastic) {
      const double sigma = std::sqrt(p * (1 - p) / static_cast<double>(w.size()));
      EXPECT_NEAR(moved, p, 5 * sigma);  // unbiased: E[w] = 1 - d
    } else {
      EXPECT_EQ(moved, 0.0);  // swamped
    }
  }
}

// Errors far below the smallest fp8 (1,5,2) subnormal (2^-16) flush to zero unless scaled.
TEST(Fp8Backend, StaticLossScaleKeepsSmallErrors) {
  const Matrix w = RandomMatrix(8, 6, 21, 0.5f), x = RandomMatrix(6, 4, 22);
  const Matrix dy = RandomMatrix(8, 4, 23, 1e-6f);
  Fp8Options plain;
  Fp8Options scaled = plain;
  scaled.loss_scale = 65536.0f;
  Fp8Backend a(6, 8, plain, 5), b(6, 8, scaled, 5);
  a.SetWeights(w);
  b.SetWeights(w);
  Matrix dxa, dxb;
  a.Backward(dy, dxa);
  b.Backward(dy, dxb);
  const Matrix exact = w.transpose() * dy;
  EXPECT_EQ(dxa.cwiseAbs().maxCoeff(), 0.0f);  // flushed
  // Scaled: fp8 (1,5,2) operands keep ~2 bits, so within 25 % of the exact value.
  EXPECT_LT((dxb - exact).cwiseAbs().maxCoeff(), 0.25f * exact.cwiseAbs().maxCoeff());
  SgdStep s;
  s.lr = 1000.0f;
  const Matrix w0 = b.Weights();
  b.Update(x, dy, s);
  EXPECT_GT((b.Weights() - w0).cwiseAbs().maxCoeff(), 0.0f);  // the gradient reached the weights
  EXPECT_EQ(b.LossScale(), 65536.0);
}

TEST(Fp8Backend, DynamicLossScaleBacksOffOnOverflowAndGrows) {
  const Matrix w = RandomMatrix(8, 6, 24, 0.5f), x = RandomMatrix(6, 4, 25), dy = RandomMatrix(8, 4, 26);
  Fp8Options o;
  o.loss_scale = 0x1p30f;  // S |dy| overflows fp8 (1,5,2) (max 57344)
  o.dynamic_loss_scale = true;
  o.loss_scale_window = 3;
  Fp8Backend b(6, 8, o, 5);
  b.SetWeights(w);
  Matrix dx;
  b.Backward(dy, dx);
  EXPECT_TRUE(dx.allFinite());
  EXPECT_GT(b.Overflows(), 0);
  const double backed_off = b.LossScale();
  EXPECT_LT(backed_off, 0x1p30);
  const Matrix exact = w.transpose() * dy;
  EXPECT_LT((dx - exact).cwiseAbs().maxCoeff(), 0.3f * exact.cwiseAbs().maxCoeff());
  SgdStep s;
  s.lr = 0.01f;
  for (int k = 0; k < 3; ++k) b.Update(x, dy, s);  // three overflow-free updates: S doubles
  EXPECT_EQ(b.LossScale(), 2 * backed_off);
  EXPECT_TRUE(b.Weights().allFinite());
}

TEST(Fp8Backend, ParseOptionsAndErrors) {
  auto cfg = io::ConfigReader::FromString(
      "[fp8]\ndata_format = \"e4m3\"\nerror_format = \"e5m2\"\nchunk = 32\nupdate_rounding = \"nearest\"\n"
      "accum_format = \"fp16\"\nloss_scale = 1000\n",
      "test.toml");
  const Fp8Options o = experiment::ParseFp8Options(cfg, "fp8");
  EXPECT_EQ(o.data_format, "e4m3");
  EXPECT_EQ(o.error_format, "e5m2");
  EXPECT_EQ(o.chunk, 32);
  EXPECT_EQ(o.update_rounding, numerics::Rounding::kNearest);
  EXPECT_EQ(o.loss_scale, 1000.0f);
  EXPECT_NO_THROW(cfg.CheckAllConsumed());
  auto bad = io::ConfigReader::FromString("[fp8]\ndata_format = \"fp7\"\n", "bad.toml");
  try {
    experiment::ParseFp8Options(bad, "fp8");
    FAIL() << "no throw";
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("bad.toml"), std::string::npos) << msg;
    EXPECT_NE(msg.find("data_format"), std::string::npos) << msg;
    EXPECT_NE(msg.find("fp8_152"), std::string::npos) << msg;  // lists valid names
  }
  Fp8Options neg;
  neg.chunk = -1;
  EXPECT_THROW(neg.Validate(), ConfigError);
  Fp8Options wide;
  wide.accum_format = "bf16:bias=100";
  EXPECT_THROW(wide.Validate(), ConfigError);
  // Dynamic loss scaling detects overflow as inf: a saturating error format would hide it.
  Fp8Options sat;
  sat.dynamic_loss_scale = true;
  sat.error_format = "fp8_152:sat";
  PCMSIM_EXPECT_THROW_MSG(sat.Validate(), ConfigError, "error_format", "saturate");
  auto window = io::ConfigReader::FromString("[fp8]\nloss_scale_window = 4294967297\n", "w.toml");
  PCMSIM_EXPECT_THROW_MSG(experiment::ParseFp8Options(window, "fp8"), ConfigError, "w.toml", "loss_scale_window");
}

TEST(Fp8Backend, SaveLoadStateResumesStochasticStreams) {
  Fp8Options o;
  o.accum_rounding = numerics::Rounding::kStochastic;
  const Matrix w = RandomMatrix(8, 30, 1), x = RandomMatrix(30, 5, 2);
  Fp8Backend a(30, 8, o, 4), b(30, 8, o, 4);
  a.SetWeights(w);
  b.SetWeights(w);
  Matrix ya, yb;
  a.Forward(x, ya, Pass::kTrain);  // advances a's streams
  StateMap state;
  a.SaveState(state);
  b.LoadState(state);
  a.Forward(x, ya, Pass::kTrain);
  b.Forward(x, yb, Pass::kTrain);
  EXPECT_EQ(ya, yb);
}

TEST(Fp8Backend, CountsMacsAndBytes) {
  Fp8Backend b(10, 4, Fp8Options{}, 1);
  b.SetWeights(RandomMatrix(4, 10, 1));
  Matrix x = RandomMatrix(10, 3, 2), y, dx, dy = RandomMatrix(4, 3, 3);
  b.Forward(x, y, Pass::kTrain);
  b.Backward(dy, dx);
  SgdStep step;
  step.lr = 0.01f;
  b.Update(x, dy, step);
  const Fp8Counts c = b.Counts();
  EXPECT_EQ(c.forward_macs, 4 * 10 * 3);
  EXPECT_EQ(c.backward_macs, 4 * 10 * 3);
  EXPECT_EQ(c.gradient_macs, 4 * 10 * 3);
  EXPECT_EQ(c.update_elements, 40);
  // 8-bit operands: forward W (40) + X (30), backward W (40) + dY (12), gradient dY (12) + X (30).
  EXPECT_EQ(c.operand_bytes, 70 + 52 + 42);
  EXPECT_EQ(c.result_bytes, 2 * (12 + 30 + 40));  // 16-bit results: Y, dX, dW
  EXPECT_EQ(c.master_bytes, 40 * 2 * 2);          // 16-bit master read + write, no momentum
}

}  // namespace
}  // namespace pcmsim::nn
