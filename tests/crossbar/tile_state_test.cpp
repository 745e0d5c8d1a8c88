// Checkpoints: a tiled matrix saved mid-run and loaded into a fresh one continues with
// identical bits (device state, mapping, compensation, noise stream counters).
#include <gtest/gtest.h>

#include "pcmsim/core/error.hpp"
#include "pcmsim/crossbar/analog_matrix.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "test_util.hpp"
#include "tile_test_util.hpp"

namespace pcmsim::crossbar {
namespace {

using testing::RandomMatrix;

class TileStateTest : public ::testing::TestWithParam<ReadNoiseModel> {};

// Both read-noise models: the frozen one keeps its realisation in the saved cache (no
// variance matrix) and re-draws the same one for a read at the same time.
TEST_P(TileStateTest, SaveLoadContinuesBitIdentically) {
  TileOptions opt;
  opt.read_noise_model = GetParam();
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
  EXPECT_TRUE(state.count("layer0/tile1_1/cells.g_a0"));
  EXPECT_TRUE(state.count("layer0/tile1_1/cells.op_seq"));
  EXPECT_TRUE(state.count("layer0/tile1_1/weight_scale"));
  // Everything by name: scalars are 1 x 1 entries, no row of numbers addressed by position.
  EXPECT_FALSE(state.count("layer0/tile1_1/meta"));

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
  broken["layer0/tile0_0/cells.nu"] = MatrixD::Zero(3, 1);
  AnalogMatrix c(70, 50, device::ConventionalParams(), opt, 3);
  EXPECT_THROW(c.LoadState("layer0/", broken), DimensionError);
  TileStateMap missing = state;
  missing.erase("layer0/tile0_1/out_gain");
  AnalogMatrix d(70, 50, device::ConventionalParams(), opt, 3);
  PCMSIM_EXPECT_THROW_MSG(d.LoadState("layer0/", missing), IoError, "layer0/tile0_1/out_gain");
}
INSTANTIATE_TEST_SUITE_P(ReadNoise, TileStateTest, ::testing::Values(ReadNoiseModel::kPerMvm, ReadNoiseModel::kFrozen));

// Event counts survive a checkpoint as numbers, and subtracting undoes adding.
TEST(TileEventsTest, NumbersRoundTripAndSubtractionUndoesAddition) {
  TileEvents a;
  a.forward_mvms = 7;
  a.dac_forward = {11, 7};
  a.adc_backward = {5, 9};
  a.read_g_dt = 1.25e-9;
  a.verify_reads = 3;
  const std::vector<double> v = a.ToNumbers();
  ASSERT_EQ(v.size(), TileEvents::kNumbers);
  const TileEvents b = TileEvents::FromNumbers(v);
  EXPECT_EQ(b.ToNumbers(), v);
  EXPECT_EQ(b.adc_backward.bits, 9);
  TileEvents c = a;
  c += b;
  EXPECT_EQ(c.forward_mvms, 14);
  c -= b;
  EXPECT_EQ(c.ToNumbers(), v);
  EXPECT_THROW(TileEvents::FromNumbers({1.0, 2.0}), DimensionError);
}

// In checkpoints every event field is stored under its own name.
TEST(TileEventsTest, NamedStateRoundTrips) {
  TileEvents a;
  a.backward_mvms = 4;
  a.adc_forward = {13, 8};
  a.read_g_dt = 2.5e-9;
  a.set_pulses = 99;
  StateMap state;
  a.SaveState("ev.", state);
  EXPECT_EQ(state.size(), TileEvents::kNumbers);
  EXPECT_EQ(state.at("ev.adc_forward.bits")(0, 0), 8.0);
  EXPECT_EQ(state.at("ev.set_pulses")(0, 0), 99.0);
  EXPECT_EQ(TileEvents::LoadState("ev.", state).ToNumbers(), a.ToNumbers());
  state.erase("ev.read_g_dt");
  PCMSIM_EXPECT_THROW_MSG(TileEvents::LoadState("ev.", state), IoError, "ev.read_g_dt");
}

}  // namespace
}  // namespace pcmsim::crossbar
