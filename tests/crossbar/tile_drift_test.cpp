// Drift compensation restores the output scale after a day; several pairs per weight with
// significance reduce the programming error; training pulses and refresh of saturated pairs.
#include <gtest/gtest.h>

#include <cmath>

#include "pcmsim/crossbar/tile.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "tile_test_util.hpp"

namespace pcmsim::crossbar {
namespace {

using testing::IdealOptions;
using testing::RandomMatrix;

constexpr double kDay = 86400.0;

double MeanAbsForward(Tile& tile, const Matrix& x) {
  Matrix y;
  tile.Forward(x, y);
  return y.cwiseAbs().mean();
}

TEST(TileDriftTest, GlobalCompensationRestoresScaleAfterOneDay) {
  const Matrix w = RandomMatrix(128, 128, 1);
  const Matrix x = RandomMatrix(128, 64, 2);  // test inputs, not the calibration batch
  TileOptions opt;                            // default periphery: DAC, ADC, noise on
  for (DriftCompensation mode : {DriftCompensation::kNone, DriftCompensation::kGlobal,
                                 DriftCompensation::kPerColumn}) {
    opt.drift_compensation = mode;
    Tile tile(128, 128, device::ConventionalParams(), opt, 3, 0);
    tile.Program(w, 0.0);
    const double y0 = MeanAbsForward(tile, x);
    tile.ReadAt(kDay);
    const double ratio = MeanAbsForward(tile, x) / y0;
    if (mode == DriftCompensation::kNone) {
      // Conductances fall by (t/t0)^-nu, nu ~ 0.05-0.1: well below 0.85 after a day.
      EXPECT_LT(ratio, 0.85) << ToString(mode);
    } else {
      EXPECT_NEAR(ratio, 1.0, 0.02) << ToString(mode);
      EXPECT_GT(tile.drift_compensation().alpha, 1.15);
    }
  }
}

TEST(TileDriftTest, SecondPairWithSignificanceReducesProgrammingError) {
  const Matrix w = RandomMatrix(64, 64, 4);
  TileOptions opt = IdealOptions();
  double rms[2];
  for (int pairs : {1, 2}) {
    opt.pairs_per_weight = pairs;
    Tile tile(64, 64, device::ConventionalParams(), opt, 5, 0);
    tile.Program(w, 0.0);
    rms[pairs - 1] = std::sqrt((tile.Weights() - w).squaredNorm() / double(w.size()));
  }
  // Pair 1 (significance 1/8) programs the residual of pair 0 with its own noise, itself
  // ~sigma_prog / 8 in weight terms: expect several-fold lower error.
  EXPECT_LT(rms[1], 0.4 * rms[0]) << rms[0] << " vs " << rms[1];
}

TEST(TileDriftTest, PulsesMoveWeightsTheirWayAndRefreshKeepsThem) {
  TileOptions opt = IdealOptions();
  Tile tile(8, 8, device::IdealParams(), opt, 6, 0);
  Matrix w0 = RandomMatrix(8, 8, 7, -0.5, 0.5);
  w0(0, 0) = 1.0f;  // full scale
  tile.Program(w0, 0.0);
  const Matrix before = tile.Weights();
  IntMatrix counts = IntMatrix::Zero(8, 8);
  counts(1, 2) = 3;
  counts(4, 5) = -2;
  tile.ApplyPulses(counts, 10.0);
  Matrix y;
  tile.Forward(Matrix::Identity(8, 8), y);  // re-reads the tile after the pulses
  const Matrix after = tile.Weights();
  EXPECT_GT(after(1, 2), before(1, 2));
  EXPECT_LT(after(4, 5), before(4, 5));
  EXPECT_EQ(after(0, 0), before(0, 0));
  EXPECT_EQ(tile.Events().set_pulses, 5);
  // Drive one pair up on both sides (the Nandakumar SET step saturates near 10.6 uS), then
  // refresh everything above 0.3 g_max: both devices RESET, the difference re-programmed.
  counts.setZero();
  counts(3, 3) = 40;
  tile.ApplyPulses(counts, 20.0);
  counts(3, 3) = -38;
  tile.ApplyPulses(counts, 20.0);
  tile.Forward(Matrix::Identity(8, 8), y);
  const Matrix pre = tile.Weights();
  const Index refreshed = tile.RefreshSaturated(0.3, 30.0);
  EXPECT_GE(refreshed, 1);
  tile.Forward(Matrix::Identity(8, 8), y);
  const Matrix post = tile.Weights();
  const double scale = tile.mapping().weight_scale;
  EXPECT_NEAR(post(3, 3), pre(3, 3), 1e-4 * scale);
  // Elsewhere only the full-scale weight can move: its device would need g_max + RESET level.
  const double reset_share = device::IdealParams().reset_g / tile.mapping().g_unit;
  EXPECT_LE((post - pre).cwiseAbs().maxCoeff(), 1.01 * reset_share * scale);
  EXPECT_GE(tile.Events().reset_pulses, 2);
  const Index cp = tile.CellIndex(0, 0, 3, 3), cm = tile.CellIndex(0, 1, 3, 3);
  ArrayD g;
  tile.devices().ExpectedConductance(30.0, g);
  EXPECT_LT(std::max(g[cp], g[cm]), 0.3 * tile.devices().g_max());
}

}  // namespace
}  // namespace pcmsim::crossbar
