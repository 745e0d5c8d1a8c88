// IR drop: the exact nodal solve against hand-solvable networks, and the fast first-order
// model against the exact solve on arrays up to 64 x 64.
#include <gtest/gtest.h>

#include <cmath>

#include "pcmsim/core/random.hpp"
#include "pcmsim/crossbar/ir_drop.hpp"

namespace pcmsim::crossbar {
namespace {

MatrixD RandomConductance(Index m, Index n, double g_max, std::uint64_t seed) {
  Rng rng(seed);
  MatrixD g(m, n);
  for (Index k = 0; k < g.size(); ++k) g.data()[k] = g_max * rng.Uniform();
  return g;
}

TEST(IrDropTest, ExactSingleCellIsSeriesCircuit) {
  MatrixD g(1, 1);
  g << 20e-6;
  const double r = 1000.0;
  MatrixD v(1, 1);
  v << 0.2;
  const MatrixD y = IrDropExactOutputs(g, r, v);
  // Driver segment + cell + amplifier segment in series.
  EXPECT_NEAR(y(0, 0), 0.2 / (2 * r + 1 / 20e-6), 1e-15);
}

TEST(IrDropTest, ExactTendsToOhmKirchhoffForTinyWires) {
  const MatrixD g = RandomConductance(16, 12, 25e-6, 1);
  const MatrixD e = IrDropEffectiveExact(g, 1e-3);  // drop ~ r G m n ~ 1e-5 relative
  EXPECT_LT((e - g).cwiseAbs().maxCoeff(), 1e-4 * g.maxCoeff());
  EXPECT_GT((e - g).cwiseAbs().maxCoeff(), 0.0);
}

TEST(IrDropTest, ExactIsLinearInInputs) {
  const MatrixD g = RandomConductance(10, 7, 25e-6, 2);
  Rng rng(3);
  MatrixD v(7, 3);
  for (Index k = 0; k < v.size(); ++k) v.data()[k] = rng.Uniform() - 0.5;
  const MatrixD y = IrDropExactOutputs(g, 50.0, v);
  const MatrixD y2 = IrDropEffectiveExact(g, 50.0) * v;
  EXPECT_LT((y - y2).cwiseAbs().maxCoeff(), 1e-12);
}

// Relative error of the fast model, measured as the largest |y_fast - y_exact| over the
// largest |y_ideal| for random inputs in [-1, 1] (the scale the ADC sees).
struct FastCase {
  Index m, n;
  double r_wire;
};

class IrDropFastTest : public ::testing::TestWithParam<FastCase> {};

TEST_P(IrDropFastTest, FastModelTracksExactSolve) {
  const auto [m, n, r] = GetParam();
  const MatrixD g = RandomConductance(m, n, 25e-6, 10 + m + n);
  Rng rng(7);
  MatrixD v(n, 16);
  for (Index k = 0; k < v.size(); ++k) v.data()[k] = 2.0 * rng.Uniform() - 1.0;
  const MatrixD ideal = g * v;
  const MatrixD exact = IrDropExactOutputs(g, r, v);
  const MatrixD fast = IrDropEffectiveFast(g, r) * v;
  const double scale = ideal.cwiseAbs().maxCoeff();
  const double drop = (exact - ideal).cwiseAbs().maxCoeff() / scale;
  const double err = (fast - exact).cwiseAbs().maxCoeff() / scale;
  RecordProperty("drop", std::to_string(drop));
  RecordProperty("fast_error", std::to_string(err));
  std::printf("  %ldx%ld r=%.2f ohm: IR-drop effect %.4f, fast-model error %.5f (%.1f%% of effect)\n",
              long(m), long(n), r, drop, err, 100 * err / drop);
  EXPECT_GT(drop, 0.0);
  EXPECT_LT(err, 0.1 * drop);
}

INSTANTIATE_TEST_SUITE_P(Arrays, IrDropFastTest,
                         ::testing::Values(FastCase{8, 8, 10.0}, FastCase{16, 32, 5.0},
                                           FastCase{32, 32, 2.0}, FastCase{64, 64, 1.0},
                                           FastCase{64, 64, 5.0}, FastCase{64, 16, 2.5}));

}  // namespace
}  // namespace pcmsim::crossbar
