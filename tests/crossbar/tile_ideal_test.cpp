// Ideal limit: ideal devices, no noise, infinite DAC/ADC and no IR drop make a tile (and a
// tiled matrix) equal to the FP32 GEMM to rounding, forward and backward.
#include <gtest/gtest.h>

#include <limits>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/crossbar/analog_matrix.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "tile_test_util.hpp"

namespace pcmsim::crossbar {
namespace {

using testing::IdealOptions;
using testing::MaxScaledError;
using testing::RandomMatrix;

// FP32 rounding bound: mapping (w -> G -> w~, a few roundings), input scaling and output
// rescaling add ~6 ulps per product on top of the GEMM's k-term accumulation.
double RoundingBound(Index k) { return (static_cast<double>(k) + 8.0) * std::numeric_limits<float>::epsilon(); }

TEST(TileIdealTest, UntiledForwardAndBackwardEqualGemm) {
  const Matrix w = RandomMatrix(37, 53, 1, -0.7, 0.9);
  const Matrix x = RandomMatrix(53, 9, 2, -3.0, 2.0);
  const Matrix d = RandomMatrix(37, 9, 3);
  Tile tile(37, 53, device::IdealParams(), IdealOptions(), 7, 0);
  tile.Program(w, 0.0);
  Matrix y, dx;
  tile.Forward(x, y);
  tile.Backward(d, dx);
  const double ef = MaxScaledError(y, w * x, w, x);
  const double eb = MaxScaledError(dx, w.transpose() * d, w.transpose(), d);
  EXPECT_LT(ef, RoundingBound(53)) << ef;
  EXPECT_LT(eb, RoundingBound(37)) << eb;
  EXPECT_LT((tile.Weights() - w).cwiseAbs().maxCoeff(), 4 * std::numeric_limits<float>::epsilon());
}

TEST(TileIdealTest, TiledForwardAndBackwardEqualGemm) {
  TileOptions opt = IdealOptions();
  opt.max_rows = 128;
  opt.max_cols = 96;
  const Index rows = 300, cols = 250, batch = 17;
  const Matrix w = RandomMatrix(rows, cols, 4);
  const Matrix x = RandomMatrix(cols, batch, 5);
  const Matrix d = RandomMatrix(rows, batch, 6);
  AnalogMatrix m(rows, cols, device::IdealParams(), opt, 9);
  EXPECT_EQ(m.row_blocks(), 3);
  EXPECT_EQ(m.col_blocks(), 3);
  m.Program(w, 0.0);
  Matrix y, dx;
  m.Forward(x, y);
  m.Backward(d, dx);
  EXPECT_LT(MaxScaledError(y, w * x, w, x), RoundingBound(cols));
  EXPECT_LT(MaxScaledError(dx, w.transpose() * d, w.transpose(), d), RoundingBound(rows));
  EXPECT_LT((m.Weights() - w).cwiseAbs().maxCoeff(), 4 * std::numeric_limits<float>::epsilon());
}

TEST(TileIdealTest, EventCountsOfOneForward) {
  const Index rows = 20, cols = 30, batch = 5;
  TileOptions opt = IdealOptions();
  opt.forward.dac_bits = 8;
  opt.forward.adc_bits = 9;
  opt.forward.output_bound = 1000.0;
  Tile tile(rows, cols, device::IdealParams(), opt, 1, 0);
  const Matrix w = RandomMatrix(rows, cols, 11);
  tile.Program(w, 0.0);
  const Matrix x = RandomMatrix(cols, batch, 12);
  Matrix y;
  tile.Forward(x, y);
  const TileEvents e = tile.Events();
  EXPECT_EQ(e.forward_mvms, batch);
  EXPECT_EQ(e.dac_forward.conversions, cols * batch);
  EXPECT_EQ(e.dac_forward.bits, 8);
  EXPECT_EQ(e.adc_forward.conversions, rows * batch);
  EXPECT_EQ(e.adc_forward.bits, 9);
  EXPECT_EQ(e.cell_reads, 2 * rows * cols * batch);
  EXPECT_EQ(e.backward_mvms, 0);
  EXPECT_GT(e.program_pulses, 0);
  // Read energy measure: sum over devices and samples of G * (x~)^2 * t_integration.
  const Matrix xs = x * x.cwiseAbs().colwise().maxCoeff().cwiseInverse().asDiagonal();
  const double g_max = tile.devices().g_max();
  const Matrix wn = w / w.cwiseAbs().maxCoeff();
  const double expected = opt.t_integration * g_max *
                          (wn.cwiseAbs().colwise().sum().cast<double>() *
                           xs.array().square().matrix().rowwise().sum().cast<double>())(0, 0);
  // Ideal mapping with g_lo = 0: one device of each pair carries |w~| g_max, the other 0;
  // the DAC rounds x~ to 8 bits, which changes sum x~^2 by < 2 %.
  EXPECT_NEAR(e.read_g_dt, expected, 0.02 * expected);
}

TEST(TileIdealTest, BitIdenticalForAnyThreadCount) {
  TileOptions opt;  // default periphery: noise, DAC, ADC, bound management all on
  opt.max_rows = 64;
  opt.max_cols = 64;
  const Matrix w = RandomMatrix(150, 100, 21);
  const Matrix x = RandomMatrix(100, 33, 22);
  Matrix y1, y2;
  const int saved = NumThreads();
  for (int threads : {1, 2}) {
    SetNumThreads(threads);
    AnalogMatrix m(150, 100, device::ConventionalParams(), opt, 5);
    m.Program(w, 0.0);
    m.ReadAt(3600.0);
    m.Forward(x, threads == 1 ? y1 : y2);
  }
  SetNumThreads(saved);
  EXPECT_TRUE(y1 == y2);
}

TEST(TileIdealTest, RejectsWrongShapes) {
  Tile tile(4, 6, device::IdealParams(), IdealOptions(), 1, 0);
  EXPECT_THROW(tile.Program(Matrix::Zero(6, 4), 0.0), DimensionError);
  tile.Program(Matrix::Ones(4, 6), 0.0);
  Matrix y;
  EXPECT_THROW(tile.Forward(Matrix::Ones(5, 2), y), DimensionError);
  TileOptions opt = IdealOptions();
  opt.max_rows = 2;
  EXPECT_THROW(Tile(4, 6, device::IdealParams(), opt, 1, 0), DimensionError);
}

}  // namespace
}  // namespace pcmsim::crossbar
