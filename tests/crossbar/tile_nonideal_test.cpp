// Each non-ideality alone moves the tile's output as theory says: DAC and ADC error within
// their bit bounds, output noise with the configured spread, folded read noise equal in
// distribution to per-device noisy reads, bound management, IR drop in the tile.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "pcmsim/crossbar/ir_drop.hpp"
#include "pcmsim/crossbar/tile.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "tile_test_util.hpp"

namespace pcmsim::crossbar {
namespace {

using testing::IdealOptions;
using testing::RandomMatrix;

class DacBitsTest : public ::testing::TestWithParam<int> {};

TEST_P(DacBitsTest, ErrorWithinHalfStepPerInput) {
  const int bits = GetParam();
  TileOptions opt = IdealOptions();
  opt.forward.dac_bits = bits;
  const Matrix w = RandomMatrix(24, 40, 1);
  const Matrix x = RandomMatrix(40, 64, 2, -2.0, 2.0);
  Tile tile(24, 40, device::IdealParams(), opt, 3, 0);
  tile.Program(w, 0.0);
  Matrix y;
  tile.Forward(x, y);
  const Matrix err = y - w * x;
  // |error_ib| <= sum_j |W_ij| * max|x_b| * step / 2 (each input off by <= half a step).
  const double step = QuantStep(bits, 1.0);
  const Eigen::RowVectorXf s = x.cwiseAbs().colwise().maxCoeff();
  const Matrix bound = (w.cwiseAbs().rowwise().sum() * s) * static_cast<float>(step / 2);
  EXPECT_TRUE((err.cwiseAbs().array() <= bound.array() * 1.0001f + 1e-6f).all());
  // Rounding errors ~ U(-step/2, step/2): RMS = step/sqrt(12) * s * ||W_i||. 24 x 64
  // outputs give the RMS to ~3 % (1 sigma); allow 15 %.
  const Matrix predicted = (w.rowwise().norm() * s) * static_cast<float>(step / std::sqrt(12.0));
  const double ratio = std::sqrt(err.squaredNorm() / predicted.squaredNorm());
  std::printf("  DAC %d bit: RMS error / (step/sqrt(12) model) = %.4f\n", bits, ratio);
  EXPECT_NEAR(ratio, 1.0, 0.15) << bits;
}
INSTANTIATE_TEST_SUITE_P(Bits, DacBitsTest, ::testing::Values(4, 6, 8));

TEST(TileNonIdealTest, AdcErrorWithinHalfStepAndClips) {
  for (int bits : {5, 9}) {
    TileOptions opt = IdealOptions();
    opt.forward.adc_bits = bits;
    opt.forward.output_bound = 12.0;
    const Matrix w = RandomMatrix(30, 10, 4);  // |y~| <= 10 < 12: no clipping
    const Matrix x = RandomMatrix(10, 50, 5, -3.0, 3.0);
    Tile tile(30, 10, device::IdealParams(), opt, 6, 0);
    tile.Program(w, 0.0);
    Matrix y;
    tile.Forward(x, y);
    // One ADC step in weight units: step * max|x_b| * max|W|.
    const double step = QuantStep(bits, 12.0) * w.cwiseAbs().maxCoeff();
    const Eigen::RowVectorXf s = x.cwiseAbs().colwise().maxCoeff();
    const Matrix err = (y - w * x) * s.cwiseInverse().asDiagonal();
    EXPECT_LE(err.cwiseAbs().maxCoeff(), 0.5 * step * 1.0001) << bits;
    EXPECT_GT(err.cwiseAbs().maxCoeff(), 0.3 * step) << bits;
  }
  // Clipping: all-ones weights and inputs give y~ = 10 > bound 4.
  TileOptions opt = IdealOptions();
  opt.forward.output_bound = 4.0;
  Tile tile(3, 10, device::IdealParams(), opt, 6, 0);
  tile.Program(Matrix::Ones(3, 10), 0.0);
  Matrix y;
  tile.Forward(Matrix::Ones(10, 2), y);
  EXPECT_TRUE(y.isApproxToConstant(4.0f));
}

TEST(TileNonIdealTest, OutputNoiseHasConfiguredSpread) {
  TileOptions opt = IdealOptions();
  opt.forward.output_noise = 0.06;
  const Index rows = 64, batch = 256;
  const Matrix w = RandomMatrix(rows, 32, 7);
  const Matrix x = RandomMatrix(32, batch, 8);
  Tile tile(rows, 32, device::IdealParams(), opt, 9, 0);
  tile.Program(w, 0.0);
  Matrix y;
  tile.Forward(x, y);
  // Back to output units: divide by max|x_b| * max|W|.
  const Eigen::RowVectorXf s = x.cwiseAbs().colwise().maxCoeff() * w.cwiseAbs().maxCoeff();
  const Matrix z = (y - w * x) * s.cwiseInverse().asDiagonal();
  const double n = double(z.size());
  const double mean = z.mean();
  const double sd = std::sqrt((z.array() - mean).square().sum() / (n - 1));
  // n = 16384: SE(mean) = 0.06/128 = 4.7e-4, SE(sd) = 0.06/sqrt(2n) = 3.3e-4; 5 sigma.
  std::printf("  output noise: mean %.5f, sd %.5f (configured 0.06)\n", mean, sd);
  EXPECT_NEAR(mean, 0.0, 2.4e-3);
  EXPECT_NEAR(sd, 0.06, 1.7e-3);
}

TEST(TileNonIdealTest, FoldedReadNoiseMatchesPerDeviceReadsInDistribution) {
  TileOptions opt = IdealOptions();
  opt.read_noise = true;
  const Index rows = 48, cols = 40, reps = 400;
  const double t = 3600.0;
  const Matrix w = RandomMatrix(rows, cols, 10);
  Matrix x = RandomMatrix(cols, 1, 11);
  x /= x.cwiseAbs().maxCoeff();  // max |x| = 1: x~ = x
  Tile tile(rows, cols, device::ConventionalParams(), opt, 12, 0);
  tile.Program(w, 0.0);
  tile.ReadAt(t);
  const Matrix xb = x.replicate(1, reps);
  Matrix y;
  tile.Forward(xb, y);
  // Reference: draw every device's noisy read and form (G+ - G-) x directly.
  const double g_max = tile.devices().g_max();
  const double gain = tile.mapping().out_gain / g_max;
  Matrix y_ref(rows, reps);
  ArrayD g;
  for (Index r = 0; r < reps; ++r) {
    tile.devices().Read(t, g, true);
    const Eigen::Map<const MatrixD> gp(g.data(), rows, cols), gm(g.data() + rows * cols, rows, cols);
    y_ref.col(r) = (gain * (gp - gm) * x.cast<double>()).cast<float>();
  }
  auto variances = [](const Matrix& m) {
    const Vector mu = m.rowwise().mean();
    return ((m.colwise() - mu).array().square().rowwise().sum() / float(m.cols() - 1)).eval();
  };
  const ArrayF v = variances(y), v_ref = variances(y_ref);
  // Means agree (both centred on the noise-free read) and the variance ratio pooled over
  // 48 outputs has SE sqrt(2/399 * 2 / 48) = 1.4 %; allow 6 %.
  EXPECT_LT((y.rowwise().mean() - y_ref.rowwise().mean()).cwiseAbs().maxCoeff(),
            6 * std::sqrt(v.maxCoeff() / reps));
  std::printf("  folded / per-device read-noise variance ratio %.4f\n", v.sum() / v_ref.sum());
  EXPECT_NEAR(v.sum() / v_ref.sum(), 1.0, 0.06);
  EXPECT_GT(v.minCoeff(), 0.0f);
}

// The frozen read-noise model: one realisation per read. Within a read every MVM and every
// sample sees the same noisy devices (outputs repeat exactly, no variance-GEMM in the
// cache); reads at different times are independent realisations whose spread over reads
// equals the per-device model's spread (what the per-MVM model draws per sample); a read at
// the same time again gives the same realisation.
TEST(TileNonIdealTest, FrozenReadNoiseIsOneRealisationPerRead) {
  TileOptions opt = IdealOptions();
  opt.read_noise = true;
  opt.read_noise_model = ReadNoiseModel::kFrozen;
  TileOptions per_mvm = opt;
  per_mvm.read_noise_model = ReadNoiseModel::kPerMvm;
  const Index rows = 48, cols = 40, reads = 400;
  const double t = 3600.0;
  const Matrix w = RandomMatrix(rows, cols, 10);
  Matrix x = RandomMatrix(cols, 1, 11);
  x /= x.cwiseAbs().maxCoeff();
  Tile tile(rows, cols, device::ConventionalParams(), opt, 12, 0);
  Tile ref(rows, cols, device::ConventionalParams(), per_mvm, 12, 0);
  tile.Program(w, 0.0);
  ref.Program(w, 0.0);
  tile.ReadAt(t);
  ref.ReadAt(t);
  EXPECT_EQ(tile.cache().var.size(), 0) << "frozen noise needs no variance GEMM";
  EXPECT_GT(ref.cache().var.size(), 0);
  const Matrix xb = x.replicate(1, 8);
  Matrix y1, y2;
  tile.Forward(xb, y1);
  tile.Forward(xb, y2);
  EXPECT_EQ(y1, y2) << "two MVMs of one read differ";
  for (Index b = 1; b < xb.cols(); ++b) EXPECT_EQ(y1.col(b), y1.col(0)) << "samples of one MVM differ";
  tile.ReadAt(t);  // the same time again: the same realisation
  tile.Forward(xb, y2);
  EXPECT_EQ(y1, y2);
  // Over reads at distinct times (1e-9 relative apart: drift and sigma are unchanged to
  // float precision) the outputs spread as the per-MVM model's samples do.
  Matrix yf(rows, reads), yp;
  Matrix y;
  for (Index r = 0; r < reads; ++r) {
    tile.ReadAt(t * (1.0 + 1e-9 * static_cast<double>(r + 1)));
    tile.Forward(x, y);
    yf.col(r) = y.col(0);
  }
  ref.Forward(x.replicate(1, reads), yp);
  auto variances = [](const Matrix& m) {
    const Vector mu = m.rowwise().mean();
    return ((m.colwise() - mu).array().square().rowwise().sum() / float(m.cols() - 1)).eval();
  };
  const ArrayF vf = variances(yf), vp = variances(yp);
  // Both variance estimates have relative SE sqrt(2/399) per output; pooled over 48 outputs
  // the ratio's SE is ~1.4 %; allow 6 %. Means agree within 6 SE of the mean.
  std::printf("  frozen (over reads) / per-MVM (over samples) read-noise variance ratio %.4f\n", vf.sum() / vp.sum());
  EXPECT_NEAR(vf.sum() / vp.sum(), 1.0, 0.06);
  EXPECT_LT((yf.rowwise().mean() - yp.rowwise().mean()).cwiseAbs().maxCoeff(),
            6 * std::sqrt(2 * vp.maxCoeff() / reads));
}

TEST(TileNonIdealTest, BoundManagementRecoversSaturatedOutputs) {
  TileOptions opt = IdealOptions();
  opt.forward.output_bound = 12.0;
  opt.forward.adc_bits = 9;
  const Matrix w = Matrix::Constant(4, 64, 0.5f);
  Matrix x = RandomMatrix(64, 8, 13, 0.5, 1.0);  // y~ ~ 48 >> 12
  Matrix y_clip, y_bm;
  {
    Tile tile(4, 64, device::IdealParams(), opt, 1, 0);
    tile.Program(w, 0.0);
    tile.Forward(x, y_clip);
  }
  opt.forward.bound_management = BoundManagement::kIterative;
  Tile tile(4, 64, device::IdealParams(), opt, 1, 0);
  tile.Program(w, 0.0);
  tile.Forward(x, y_bm);
  const Matrix exact = w * x;
  EXPECT_GT((y_clip - exact).cwiseAbs().minCoeff(), 10.0f);  // clipped near 12 * 0.5 * s
  // y~ = sum_j x_j / max|x| in [32, 64]: two or three halvings bring it below 12; the ADC
  // error is then <= half of 8 x (12/255) output units x 0.5 (weight scale) x max|x| (<= 1).
  EXPECT_LT((y_bm - exact).cwiseAbs().maxCoeff(), 0.5f * 8 * 12.0f / 255 * 0.5f + 1e-4f);
  EXPECT_GE(tile.Events().bound_reruns, 16);  // every sample re-run at least twice
}

TEST(TileNonIdealTest, IrDropFastTileTracksExactTile) {
  TileOptions opt = IdealOptions();
  opt.r_wire = 2.0;
  const Index n = 48;
  const Matrix w = RandomMatrix(n, n, 14);
  const Matrix x = RandomMatrix(n, 16, 15);
  const Matrix d = RandomMatrix(n, 16, 16);
  Matrix yf, ye, df, de;
  for (IrDropModel model : {IrDropModel::kFast, IrDropModel::kExact}) {
    opt.ir_drop_model = model;
    Tile tile(n, n, device::IdealParams(), opt, 1, 0);
    tile.Program(w, 0.0);
    tile.Forward(x, model == IrDropModel::kFast ? yf : ye);
    tile.Backward(d, model == IrDropModel::kFast ? df : de);
  }
  const Matrix ideal = w * x, ideal_b = w.transpose() * d;
  const double scale = ideal.cwiseAbs().maxCoeff(), scale_b = ideal_b.cwiseAbs().maxCoeff();
  const double effect = (ye - ideal).cwiseAbs().maxCoeff() / scale;
  const double effect_b = (de - ideal_b).cwiseAbs().maxCoeff() / scale_b;
  std::printf("  tile 48x48 r=2 ohm: IR effect fwd %.4f bwd %.4f; fast-exact fwd %.5f bwd %.5f\n", effect, effect_b,
              (yf - ye).cwiseAbs().maxCoeff() / scale, (df - de).cwiseAbs().maxCoeff() / scale_b);
  EXPECT_GT(effect, 0.005);  // the drop is visible
  EXPECT_GT(effect_b, 0.005);
  EXPECT_LT((yf - ye).cwiseAbs().maxCoeff() / scale, 0.1 * effect);
  EXPECT_LT((df - de).cwiseAbs().maxCoeff() / scale_b, 0.1 * effect_b);
}

}  // namespace
}  // namespace pcmsim::crossbar
