// Checkpoints: a tiled matrix saved mid-run and loaded into a fresh one continues with
// identical bits (device state, mapping, compensation, noise stream counters).
#include <gtest/gtest.h>

#include "pcmsim/core/error.hpp"
#include "pcmsim/crossbar/analog_matrix.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "tile_test_util.hpp"

namespace pcmsim::crossbar {
namespace {

using testing::RandomMatrix;

TEST(TileStateTest, SaveLoadContinuesBitIdentically) {
  TileOptions opt;
  opt.max_rows = 40;
  opt.max_cols = 30;
  opt.drift_compensation = DriftCompensation::kPerColumn;
  const Matrix w = RandomMatrix(70, 50, 1);
  const Matrix x = RandomMatrix(50, 8, 2);
  AnalogMatrix a(70, 50, device::ConventionalParams(), opt, 3);
  a.Program(w, 0.0);
  a.ReadAt(3600.0);
  Matrix y;
  a.Forward(x, y);
  IntMatrix counts = IntMatrix::Zero(70, 50);
  counts(5, 7) = 2;
  a.ApplyPulses(counts, 4000.0);
  TileStateMap state;
  a.SaveState("layer0/", state);
  EXPECT_TRUE(state.count("layer0/tile1_1/g_a0"));

  AnalogMatrix b(70, 50, device::ConventionalParams(), opt, 3);
  b.LoadState("layer0/", state);
  Matrix ya, yb;
  a.Forward(x, ya);
  b.Forward(x, yb);
  EXPECT_TRUE(ya == yb);
  a.ReadAt(86400.0);
  b.ReadAt(86400.0);
  a.Forward(x, ya);
  b.Forward(x, yb);
  EXPECT_TRUE(ya == yb);
  EXPECT_TRUE(a.Weights() == b.Weights());

  TileStateMap broken = state;
  broken["layer0/tile0_0/nu"] = MatrixD::Zero(3, 1);
  AnalogMatrix c(70, 50, device::ConventionalParams(), opt, 3);
  EXPECT_THROW(c.LoadState("layer0/", broken), DimensionError);
}

}  // namespace
}  // namespace pcmsim::crossbar
