// Training re-reads: after pulse steps only the pulsed weights are re-read while the drift
// bound allows it. The result must stay within the stated tolerance of a full re-read,
// fall back to full reads when the bound is exceeded, and checkpoint bit-identically.
#include <gtest/gtest.h>

#include "pcmsim/core/build_info.hpp"
#include "pcmsim/crossbar/tile.hpp"
#include "pcmsim/device/pcm_params.hpp"
#include "pcmsim/experiment/options_load.hpp"
#include "tile_test_util.hpp"

namespace pcmsim::crossbar {
namespace {

using testing::RandomMatrix;

// The training preset of devices/ (nu = 0.04 for every state, t0 = 38.6 s).
device::PcmParams TrainingPreset() {
  return experiment::LoadPcmParamsFile(std::string(build_info::kSourceDir) + "/devices/pcm_training.toml");
}

IntMatrix RandomCounts(Index rows, Index cols, std::uint64_t seed) {
  Rng rng(seed);
  IntMatrix c = IntMatrix::Zero(rows, cols);
  for (Index k = 0; k < c.size(); ++k) {
    const double u = rng.Uniform();
    c.data()[k] = u < 0.05 ? 1 : (u > 0.95 ? -1 : 0);  // ~10 % of the weights per step
  }
  return c;
}

TileOptions TrainingOptions(double tolerance) {
  TileOptions o = testing::IdealOptions();
  o.read_noise = true;  // the cached variances are re-read too
  o.reread_tolerance = tolerance;
  return o;
}

// Runs `steps` pulse steps dt apart on a tile, each followed by a forward MVM.
void Train(Tile& t, int steps, double t_start, double dt, const Matrix& x) {
  Matrix y;
  for (int s = 0; s < steps; ++s) {
    t.ApplyPulses(RandomCounts(t.rows(), t.cols(), 100 + static_cast<std::uint64_t>(s)), t_start + dt * s);
    t.Forward(x, y);
  }
}

TEST(TileRereadTest, PartialRereadsStayWithinToleranceOfFullRereads) {
  const device::PcmParams dev = TrainingPreset();
  const Matrix w = RandomMatrix(48, 40, 1, -0.5, 0.5);
  const Matrix x = RandomMatrix(40, 4, 2);
  const double tol = 1e-3;
  Tile exact(48, 40, dev, TrainingOptions(0.0), 7, 0);
  Tile fast(48, 40, dev, TrainingOptions(tol), 7, 0);
  exact.Program(w, 0.0);
  fast.Program(w, 0.0);
  Train(exact, 60, 0.01, 0.01, x);
  Train(fast, 60, 0.01, 0.01, x);
  EXPECT_EQ(exact.partial_reads(), 0);
  EXPECT_EQ(exact.full_reads(), 61);
  EXPECT_GT(fast.partial_reads(), 0);
  // Same pulses and device draws: the devices are bit-identical, only the caches differ.
  StateMap exact_cells, fast_cells;
  exact.devices().SaveState("", exact_cells);
  fast.devices().SaveState("", fast_cells);
  EXPECT_EQ(exact_cells, fast_cells);
  // Each cached G is within tol (relative) of its value now, so each weight
  // sum_d +-G_d / g_max is within tol * (G+ + G-) / g_max <= 2 tol in tile units.
  const Matrix diff = (exact.cache().w_fwd - fast.cache().w_fwd).cwiseAbs();
  EXPECT_LE(diff.maxCoeff(), 2.0 * tol);
  EXPECT_GT(diff.maxCoeff(), 0.0);  // the approximation is real, and is measured here
  const Matrix dvar = (exact.cache().var - fast.cache().var).cwiseAbs();
  EXPECT_LE(dvar.maxCoeff(), 4.5 * tol * exact.cache().var.maxCoeff());
  // Conductance line sums (read energy) follow the pulsed weights exactly.
  EXPECT_LE(((exact.cache().col_g - fast.cache().col_g).abs() / exact.cache().col_g).maxCoeff(), tol);
}

TEST(TileRereadTest, FullRereadOnceTheDriftBoundIsExceeded) {
  const device::PcmParams dev = TrainingPreset();
  Tile t(16, 12, dev, TrainingOptions(1e-3), 3, 0);
  t.Program(RandomMatrix(16, 12, 4, -0.5, 0.5), 0.0);
  const Matrix x = RandomMatrix(12, 2, 5);
  // nu ln(1 + dt / t0) <= 1e-3 holds for dt up to t0 (e^(1e-3/nu) - 1), about a second
  // for this preset (nu = 0.04, t0 = 38.6 s): steps 0.01 s apart re-read in part, ...
  Train(t, 10, 0.01, 0.01, x);
  EXPECT_EQ(t.full_reads(), 1);
  EXPECT_EQ(t.partial_reads(), 10);
  // ... a step 100 s later re-reads the whole tile.
  Train(t, 1, 100.0, 0.01, x);
  EXPECT_EQ(t.full_reads(), 2);
  EXPECT_EQ(t.partial_reads(), 10);
}

TEST(TileRereadTest, IrDropTilesAlwaysRereadInFull) {
  TileOptions o = TrainingOptions(1e-3);
  o.r_wire = 1.0;
  Tile t(16, 12, TrainingPreset(), o, 3, 0);
  t.Program(RandomMatrix(16, 12, 4, -0.5, 0.5), 0.0);
  Train(t, 5, 0.01, 0.01, RandomMatrix(12, 2, 5));
  EXPECT_EQ(t.partial_reads(), 0);
  EXPECT_EQ(t.full_reads(), 6);
}

TEST(TileRereadTest, CheckpointWithPendingPartialRereadContinuesBitIdentically) {
  const device::PcmParams dev = TrainingPreset();
  TileOptions o = TrainingOptions(1e-3);
  o.forward.output_noise = 0.06;
  const Matrix w = RandomMatrix(24, 20, 1, -0.5, 0.5);
  const Matrix x = RandomMatrix(20, 3, 2);
  Tile a(24, 20, dev, o, 9, 0);
  a.Program(w, 0.0);
  Train(a, 5, 0.01, 0.01, x);
  a.ApplyPulses(RandomCounts(24, 20, 77), 0.06);  // pending: read at the next MVM
  TileStateMap state;
  a.SaveState("t/", state);
  Tile b(24, 20, dev, o, 9, 0);
  b.LoadState("t/", state);
  Matrix ya, yb;
  a.Forward(x, ya);
  b.Forward(x, yb);
  EXPECT_TRUE(ya == yb);
  Train(a, 5, 0.07, 0.01, x);
  Train(b, 5, 0.07, 0.01, x);
  a.Forward(x, ya);
  b.Forward(x, yb);
  EXPECT_TRUE(ya == yb);
  EXPECT_TRUE(a.cache().col_g.matrix() == b.cache().col_g.matrix());
}

}  // namespace
}  // namespace pcmsim::crossbar
