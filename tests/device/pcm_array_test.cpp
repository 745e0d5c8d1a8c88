// PcmArray oracles with noise off (drift law, ideal program-and-verify, deterministic SET
// steps), exact equivalences (projected with zero projection == conventional, thread
// count), pulse/RESET/fault statistics and argument errors.
#include "pcmsim/device/pcm_array.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"

namespace pcmsim::device {
namespace {

constexpr double kUs = 1e-6;

PcmParams NoiseFreeConventional() {
  PcmParams p = ConventionalParams();
  p.prog_noise_scale = 0.0;
  p.read_noise_scale = 0.0;
  return p;
}

ArrayD Ramp(Index n, double lo, double hi) { return ArrayD::LinSpaced(n, lo, hi); }

std::vector<Index> AllCells(Index n) {
  std::vector<Index> c(static_cast<size_t>(n));
  std::iota(c.begin(), c.end(), Index(0));
  return c;
}

bool BitEqual(const ArrayD& a, const ArrayD& b) { return a.size() == b.size() && (a == b).all(); }

TEST(PcmArrayDrift, NoiseOffFollowsPowerLawExactly) {
  const PcmParams p = NoiseFreeConventional();
  PcmArray a(p, 1000, 7);
  const ArrayD targets = Ramp(1000, 0.5 * kUs, 25 * kUs);
  a.ProgramStatistical(targets, 100.0);
  ArrayD g;
  for (double dt : {0.0, 1.0, 3600.0, 86400.0, 3.15e7}) {
    a.Read(100.0 + dt, g, /*with_read_noise=*/false);
    for (Index i = 0; i < g.size(); ++i) {
      const double expect = targets[i] * std::pow((dt + p.t0) / p.t0, -a.nu()[i]);
      ASSERT_NEAR(g[i], expect, 1e-13 * expect) << "cell " << i << " dt " << dt;
    }
  }
  // The drift exponents are those of the fit at the target state (folded normal draw).
  for (Index i = 0; i < g.size(); ++i) ASSERT_GE(a.nu()[i], 0.0);
}

TEST(PcmArrayDrift, NonUniformProgrammingTimesUseEachCellsClock) {
  const PcmParams p = NoiseFreeConventional();
  PcmArray a(p, 64, 3);
  a.ProgramStatistical(ArrayD::Constant(64, 10 * kUs), 0.0);
  std::vector<Index> half;
  std::vector<double> tg;
  for (Index i = 0; i < 64; i += 2) {
    half.push_back(i);
    tg.push_back(20 * kUs);
  }
  a.ProgramStatistical(half, tg, 5000.0);
  ArrayD g;
  a.ExpectedConductance(9000.0, g);
  for (Index i = 0; i < 64; ++i) {
    const double g0 = (i % 2 == 0) ? 20 * kUs : 10 * kUs;
    const double since = (i % 2 == 0) ? 4000.0 : 9000.0;
    EXPECT_NEAR(g[i], g0 * std::pow((since + p.t0) / p.t0, -a.nu()[i]), 1e-13 * g0);
    EXPECT_EQ(a.t_prog()[i], (i % 2 == 0) ? 5000.0 : 0.0);
  }
}

TEST(PcmArrayVerify, IdealDeviceHitsTargetsExactlyWithOnePulse) {
  PcmArray a(IdealParams(), 5000, 11);
  const ArrayD targets = Ramp(5000, 0.0, 25 * kUs);
  const ProgramStats st = a.ProgramVerify(targets, 0.0);
  ArrayD g;
  a.ProgrammedConductance(g);
  EXPECT_TRUE(BitEqual(g, targets));
  a.Read(1e6, g, true);  // ideal: no drift, no read noise
  EXPECT_TRUE(BitEqual(g, targets));
  EXPECT_EQ(st.cells, 5000);
  EXPECT_EQ(st.pulses, 5000);
  EXPECT_EQ(st.verify_reads, 5000);
  EXPECT_EQ(st.converged, 5000);
  EXPECT_EQ(st.max_abs_error, 0.0);
  EXPECT_EQ(a.counters().program_pulses, 5000);
  EXPECT_EQ(a.counters().verify_reads, 5000);
  EXPECT_EQ(a.counters().cell_reads, 5000);
}

TEST(PcmArrayVerify, ConvergesWithinToleranceWhenReadNoiseIsOff) {
  PcmParams p = ConventionalParams();
  p.read_noise_scale = 0.0;
  p.pv_write_noise_rel = 0.05;
  p.pv_tolerance = 0.1 * kUs;
  p.pv_max_iterations = 50;
  PcmArray a(p, 20000, 5);
  const ProgramStats st = a.ProgramVerify(Ramp(20000, 1 * kUs, 25 * kUs), 0.0);
  EXPECT_EQ(st.converged, st.cells);
  EXPECT_LE(st.max_abs_error, p.pv_tolerance * (1 + 1e-12));
  EXPECT_GT(st.MeanPulses(), 1.0);
}

// Model = projected with projection_ratio = 0 and series_resistance = 0 must reproduce the
// conventional model bit for bit through every operation.
TEST(PcmArrayProjected, ZeroProjectionIsConventionalBitForBit) {
  PcmParams conv = ConventionalParams();
  conv.g_max_dtod = 0.05;
  conv.set_gain_dtod = 0.1;
  conv.stuck_set_prob = 0.01;
  conv.stuck_reset_prob = 0.01;
  conv.pv_write_noise_rel = 0.03;
  conv.activation_energy_eV = 0.3;
  PcmParams proj = conv;
  proj.model = CellModel::kProjected;
  PcmArray a(conv, 30000, 42, 3), b(proj, 30000, 42, 3);
  a.SetTemperature(330.0);
  b.SetTemperature(330.0);
  const ArrayD targets = Ramp(30000, 0.0, 25 * kUs);
  a.ProgramStatistical(targets, 0.0);
  b.ProgramStatistical(targets, 0.0);
  std::vector<Index> some;
  std::vector<double> tg;
  std::vector<int> counts;
  for (Index i = 0; i < 30000; i += 3) {
    some.push_back(i);
    tg.push_back(double(i % 25) * kUs);
    counts.push_back(int(i % 5));
  }
  const ProgramStats sa = a.ProgramVerify(some, tg, 10.0), sb = b.ProgramVerify(some, tg, 10.0);
  EXPECT_EQ(sa.sum_sq_error, sb.sum_sq_error);
  a.ApplySet(some, counts, 50.0);
  b.ApplySet(some, counts, 50.0);
  std::vector<Index> few(some.begin(), some.begin() + 500);
  a.ApplyReset(few, 60.0);
  b.ApplyReset(few, 60.0);
  ArrayD ga, gb;
  for (double t : {60.0, 3600.0, 86400.0}) {
    a.Read(t, ga, true);
    b.Read(t, gb, true);
    EXPECT_TRUE(BitEqual(ga, gb)) << "noisy read at " << t;
    a.ReadNoiseStd(t, ga);
    b.ReadNoiseStd(t, gb);
    EXPECT_TRUE(BitEqual(ga, gb)) << "read noise std at " << t;
  }
  EXPECT_TRUE(BitEqual(a.nu(), b.nu()));
  EXPECT_EQ(a.g_min(), b.g_min());
}

TEST(PcmArrayDeterminism, SameBitsForAnyThreadCount) {
  const PcmParams p = ConventionalParams();
  auto run = [&](int threads) {
    SetNumThreads(threads);
    PcmArray a(p, 50000, 9, 1);
    a.ProgramVerify(Ramp(50000, 0.0, 25 * kUs), 0.0);
    a.ApplySet(AllCells(50000), std::vector<int>(50000, 2), 5.0);
    ArrayD g;
    a.Read(3600.0, g, true);
    return g;
  };
  const ArrayD one = run(1), two = run(2);
  SetNumThreads(2);
  EXPECT_TRUE(BitEqual(one, two));
}

TEST(PcmArrayDeterminism, StreamsDifferBySeedIndexAndOperation) {
  const PcmParams p = ConventionalParams();
  PcmArray a(p, 1000, 1, 0), b(p, 1000, 1, 1);
  a.ProgramStatistical(ArrayD::Constant(1000, 10 * kUs), 0.0);
  b.ProgramStatistical(ArrayD::Constant(1000, 10 * kUs), 0.0);
  ArrayD g1, g2, g3;
  a.ProgrammedConductance(g1);
  b.ProgrammedConductance(g2);
  EXPECT_FALSE(BitEqual(g1, g2));
  a.Read(100.0, g1, true);
  a.Read(100.0, g3, true);  // a second read draws new noise
  EXPECT_FALSE(BitEqual(g1, g3));
}

// Repeated noisy reads at one time reuse the cached expected G and sigma: bits must equal a
// read that recomputes them, and any state change must invalidate the cache.
TEST(PcmArrayRead, CachedRepeatedReadsEqualRecomputedReads) {
  const PcmParams p = ConventionalParams();
  PcmArray a(p, 20000, 6), b(p, 20000, 6);
  a.ProgramStatistical(Ramp(20000, 0.0, 25 * kUs), 0.0);
  b.ProgramStatistical(Ramp(20000, 0.0, 25 * kUs), 0.0);
  ArrayD ga, gb;
  a.Read(3600.0, ga, true);
  b.Read(3600.0, gb, true);
  EXPECT_TRUE(BitEqual(ga, gb));
  a.Read(3600.0, ga, true);     // fills the cache
  b.SetTemperature(300.0);      // same temperature, but drops the cache
  b.Read(3600.0, gb, true);     // recomputed
  EXPECT_TRUE(BitEqual(ga, gb));
  a.Read(3600.0, ga, true);     // from the cache
  b.SetTemperature(300.0);
  b.Read(3600.0, gb, true);
  EXPECT_TRUE(BitEqual(ga, gb));
  PcmParams quiet = p;
  quiet.read_noise_scale = 0.0;
  PcmArray c(quiet, 100, 2);
  c.ProgramStatistical(ArrayD::Constant(100, 5 * kUs), 0.0);
  ArrayD g, expect;
  c.Read(100.0, g, true);
  c.Read(100.0, g, true);
  c.Read(100.0, g, true);  // cached now
  const std::vector<Index> some{3, 50};
  c.ProgramStatistical(some, std::vector<double>{20 * kUs, 20 * kUs}, 100.0);
  c.Read(100.0, g, true);
  c.ExpectedConductance(100.0, expect);
  EXPECT_TRUE(BitEqual(g, expect));
  EXPECT_GT(g[3], 10 * kUs);
}

TEST(PcmArrayPulses, NoiseFreeSetStepsFollowTheMeanRecursion) {
  PcmParams p = IdealParams();
  p.set_dg_slope = -0.084;
  p.set_dg_offset = 0.892 * kUs;
  p.reset_g = 0.1 * kUs;
  p.g_min = 0.1 * kUs;
  PcmArray a(p, 4, 2);
  const std::vector<Index> cells = AllCells(4);
  a.ApplyReset(cells, 0.0);
  double expect = 0.1 * kUs;
  ArrayD g;
  for (int k = 1; k <= 200; ++k) {
    a.ApplySet(cells, std::vector<int>(4, 1), 0.0);
    expect = expect + (-0.084 * expect + 0.892 * kUs);
    a.ExpectedConductance(0.0, g);
    ASSERT_NEAR(g[0], expect, 1e-18) << "pulse " << k;
  }
  EXPECT_NEAR(g[0], 0.892 / 0.084 * kUs, 1e-3 * kUs);  // saturation near 10.6 uS
  EXPECT_EQ(a.counters().set_pulses, 800);
  EXPECT_EQ(a.counters().reset_pulses, 4);
}

// One SET pulse from the RESET level: mean and std of the step match the Nandakumar model.
// 200k cells: SE of the mean = sd/sqrt(n) ~ 0.0013 uS, of the std ~ sd/sqrt(2n) ~ 0.0009 uS.
TEST(PcmArrayPulses, SetStepStatisticsMatchModel) {
  PcmParams p = ConventionalParams();
  p.reset_std_rel = 0.0;
  const Index n = 200000;
  PcmArray a(p, n, 4);
  const std::vector<Index> cells = AllCells(n);
  a.ApplyReset(cells, 0.0);
  a.ApplySet(cells, std::vector<int>(size_t(n), 1), 0.0);
  ArrayD g;
  a.ExpectedConductance(0.0, g);
  const ArrayD dg = (g - 0.1 * kUs) / kUs;
  const double mu = -0.084 * 0.1 + 0.892, sd = 0.09 * 0.1 + 0.575;
  const double mean = dg.mean(), sdev = std::sqrt((dg - mean).square().sum() / double(n - 1));
  std::printf("SET step from 0.1 uS: mean %.4f uS (model %.4f), std %.4f uS (model %.4f)\n", mean, mu, sdev, sd);
  // The floor clip at g_min = 0 (dG >= -0.1 uS) cuts the left tail (z < -1.68, ~4.6 % of
  // cells): compare with the moments of the clipped normal Y = max(X, c) rather than X.
  const double c = -0.1, z = (c - mu) / sd;
  const double phi = std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI), Phi = 0.5 * std::erfc(-z / std::sqrt(2.0));
  const double m1 = mu * (1 - Phi) + sd * phi + c * Phi;
  const double m2 = (mu * mu + sd * sd) * (1 - Phi) + sd * phi * (mu + c) + c * c * Phi;
  const double s_clip = std::sqrt(m2 - m1 * m1);
  EXPECT_NEAR(mean, m1, 5 * sd / std::sqrt(double(n)));
  EXPECT_NEAR(sdev, s_clip, 5 * sd / std::sqrt(2.0 * double(n)));
}

TEST(PcmArrayPulses, ResetLevelSpread) {
  const PcmParams p = ConventionalParams();  // RESET to 0.1 uS +- 10 %
  const Index n = 100000;
  PcmArray a(p, n, 8);
  a.ApplyReset(AllCells(n), 0.0);
  ArrayD g;
  a.ProgrammedConductance(g);
  const double mean = g.mean(), sdev = std::sqrt((g - mean).square().mean());
  EXPECT_NEAR(mean / kUs, 0.1, 5 * 0.01 / std::sqrt(double(n)));
  EXPECT_NEAR(sdev / kUs, 0.01, 5 * 0.01 / std::sqrt(2.0 * double(n)));
}

TEST(PcmArrayFaults, StuckCellsIgnoreProgrammingAndPulses) {
  PcmParams p = ConventionalParams();
  p.stuck_set_prob = 0.02;
  p.stuck_reset_prob = 0.03;
  const Index n = 100000;
  PcmArray a(p, n, 12);
  const auto& f = a.derived().fault;
  const double n_set = double((f == std::uint8_t(Fault::kStuckSet)).count());
  const double n_reset = double((f == std::uint8_t(Fault::kStuckReset)).count());
  // Binomial: sd = sqrt(n p (1-p)) ~ 44 and 54 cells; 5 sigma.
  EXPECT_NEAR(n_set, 2000.0, 5 * 44.3);
  EXPECT_NEAR(n_reset, 3000.0, 5 * 54.0);
  a.ProgramVerify(ArrayD::Constant(n, 12 * kUs), 0.0);
  a.ApplySet(AllCells(n), std::vector<int>(size_t(n), 3), 1.0);
  ArrayD g;
  a.ExpectedConductance(1e6, g);
  for (Index i = 0; i < n; ++i) {
    if (f[i] == std::uint8_t(Fault::kStuckSet)) {
      ASSERT_EQ(g[i], a.derived().g_max_dev[i]);
    } else if (f[i] == std::uint8_t(Fault::kStuckReset)) {
      ASSERT_LE(g[i], a.g_min() + 1e-18);
    }
  }
}

TEST(PcmArrayTemperature, ArrheniusFactorOnTheAmorphousSegment) {
  PcmParams p = NoiseFreeConventional();
  p.activation_energy_eV = 0.3;
  PcmArray a(p, 100, 1);
  a.ProgramStatistical(ArrayD::Constant(100, 10 * kUs), 0.0);
  ArrayD cold, hot;
  a.ExpectedConductance(100.0, cold);
  a.SetTemperature(350.0);
  a.ExpectedConductance(100.0, hot);
  const double theta = std::exp(-0.3 / 8.617333262e-5 * (1.0 / 350.0 - 1.0 / 300.0));
  for (Index i = 0; i < 100; ++i) EXPECT_NEAR(hot[i] / cold[i], theta, 1e-12);
  // A projected cell is less sensitive: only the amorphous share is activated.
  p.model = CellModel::kProjected;
  p.projection_ratio = 10.0;
  PcmArray b(p, 100, 1);
  b.ProgramStatistical(ArrayD::Constant(100, 10 * kUs), 0.0);
  b.ExpectedConductance(100.0, cold);
  b.SetTemperature(350.0);
  b.ExpectedConductance(100.0, hot);
  EXPECT_LT(hot[0] / cold[0], 1.0 + (theta - 1.0) / 5.0);
  EXPECT_THROW(b.SetTemperature(-1.0), Error);
}

TEST(PcmArrayErrors, TimeAndShapeMistakesThrow) {
  PcmArray a(ConventionalParams(), 10, 1);
  a.ProgramStatistical(ArrayD::Constant(10, 1e-5), 100.0);
  ArrayD g;
  EXPECT_THROW(a.Read(50.0, g, true), Error);
  EXPECT_THROW(a.ProgramStatistical(ArrayD::Constant(9, 1e-5), 200.0), DimensionError);
  const std::vector<Index> bad{10};
  EXPECT_THROW(a.ApplyReset(bad, 200.0), DimensionError);
  const std::vector<Index> one{1};
  EXPECT_THROW(a.ApplySet(one, std::vector<int>{-1}, 200.0), Error);
  EXPECT_THROW(a.ProgramVerify(ArrayD::Constant(10, std::nan("")), 200.0), Error);
  PcmState s = a.state();
  s.nu.resize(3);
  EXPECT_THROW(a.SetState(s), DimensionError);
}

}  // namespace
}  // namespace pcmsim::device
