// Issue 15 mechanisms: the sinh read I-V law, the temperature model (constant and trace,
// per-cell activation energies, the projection's TCR), program-and-verify limited by verify
// noise, and the multiplication study's effective-bits metric. Each mechanism's reference
// limit must reproduce the previous model bit for bit, and the projected cell's sensitivity
// must be the conventional one's times the share the model predicts analytically.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "pcmsim/core/error.hpp"
#include "pcmsim/device/multiply_study.hpp"
#include "pcmsim/device/pcm_array.hpp"
#include "pcmsim/device/read_iv.hpp"
#include "test_util.hpp"

namespace pcmsim::device {
namespace {

constexpr double kUs = 1e-6;

PcmParams Projected(double k) {
  PcmParams p = ConventionalParams();
  p.model = CellModel::kProjected;
  p.projection_ratio = k;
  p.g_min = 0.1 * kUs;
  return p;
}

void WithTemperatureModel(PcmParams& p) {
  p.activation_energy_eV = 0.2;
  p.ea_log_slope_eV = 0.04;
  p.ea_std_eV = 0.02;
  if (p.HasProjection()) p.projection_tcr_per_K = 5e-4;
}

bool SameBits(const ArrayD& a, const ArrayD& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(double) * size_t(a.size())) == 0;
}

ArrayD Targets(Index n, double lo, double hi) { return ArrayD::LinSpaced(n, lo, hi); }

// --- I-V law -------------------------------------------------------------------------------

TEST(ReadIv, OhmicLimitIsExactlyLinear) {
  for (double x : {-1.0, -0.37, 0.0, 1e-9, 0.5, 1.0}) {
    EXPECT_EQ(SinhShape(x, 0.0), x);
    EXPECT_EQ(CellCurrent(7.3e-6, 0.4, x, 0.0, InputEncoding::kAmplitude), 7.3e-6 * x);
    EXPECT_EQ(CellCurrent(7.3e-6, 0.4, x, 1.3, InputEncoding::kPulseWidth), 7.3e-6 * x);
  }
  EXPECT_DOUBLE_EQ(SinhShape(1.0, 0.8), 1.0);
  EXPECT_DOUBLE_EQ(SinhShape(-1.0, 0.8), -1.0);
  EXPECT_LT(SinhShape(0.5, 0.8), 0.5);  // current grows faster than linearly with voltage
  PcmArray a(ConventionalParams(), 4, 1);
  EXPECT_EQ(a.IvArgument(0.0), 0.0);  // preset default before issue 15: ohmic
}

// The study: with an ohmic amorphous segment amplitude and pulse-width encoding give the same
// products, hence identical bits.
TEST(ReadIv, OhmicStudyEncodingsAgreeBitForBit) {
  MultiplyStudyOptions o;
  o.cells = 2000;
  o.times_s = {1.0, 86400.0};
  o.temperatures_K = {300.0, 340.0};
  PcmParams p = Projected(4.0);
  WithTemperatureModel(p);
  const MultiplyStudyResult r = RunMultiplyStudy(p, o);
  for (auto ref : {MultiplyReference::kTarget, MultiplyReference::kCalibrated})
    for (auto c : {MultiplyCompensation::kNone, MultiplyCompensation::kTemperatureModel, MultiplyCompensation::kGlobal}) {
      EXPECT_TRUE((r.Rms(ref, InputEncoding::kAmplitude, c).array() == r.Rms(ref, InputEncoding::kPulseWidth, c).array()).all());
    }
}

// Amplitude encoding distorts the product by s (sinh(xu)/sinh(u) - x): the projected cell's
// distortion is the conventional one's times its amorphous share 1/(1+k) at t0 (R_s = 0).
TEST(ReadIv, ProjectedNonlinearityDilutedByTheAmorphousShare) {
  const double k = 9.0, u = 0.8;
  PcmParams c = ConventionalParams(), p = Projected(k);
  c.iv_v0_V = p.iv_v0_V = 0.25;
  c.iv_v_read_V = p.iv_v_read_V = 0.25 * u;
  c.prog_noise_scale = p.prog_noise_scale = 0.0;
  PcmArray ac(c, 50, 1), ap(p, 50, 1);
  const ArrayD tg = Targets(50, 2 * kUs, 25 * kUs);
  ac.ProgramStatistical(tg, 0.0);
  ap.ProgramStatistical(tg, 0.0);
  ArrayD gc, gp, sc, sp;
  ac.ExpectedConductance(0.0, gc);
  ap.ExpectedConductance(0.0, gp);
  ac.AmorphousShare(0.0, sc);
  ap.AmorphousShare(0.0, sp);
  EXPECT_DOUBLE_EQ(ac.IvArgument(0.0), u);
  for (Index i = 0; i < 50; ++i) {
    EXPECT_EQ(sc[i], 1.0);
    EXPECT_NEAR(sp[i], 1.0 / (1.0 + k), 1e-14);
    for (double x : {0.1, 0.5, 0.9}) {
      const double dc = CellCurrent(gc[i], sc[i], x, u, InputEncoding::kAmplitude) / (gc[i] * x) - 1.0;
      const double dp = CellCurrent(gp[i], sp[i], x, u, InputEncoding::kAmplitude) / (gp[i] * x) - 1.0;
      ASSERT_LT(dc, -1e-3);  // a real distortion
      EXPECT_NEAR(dp / dc, 1.0 / (1.0 + k), 1e-9) << "x " << x;
    }
  }
  // Temperature raises V_0 = 2kT u_a/(q dz) proportionally: u(T) = u T_ref / T.
  ac.SetTemperature(360.0);
  EXPECT_NEAR(ac.IvArgument(0.0), u * 300.0 / 360.0, 1e-15);
}

// --- temperature ---------------------------------------------------------------------------

// At T_ref the full temperature model (E_a, state slope, spread, projection TCR) reads and
// programs exactly like the model without it: P&V, noisy reads, expected G, noise sigma.
TEST(Temperature, ReferenceTemperatureIsBitExact) {
  for (bool projected : {false, true}) {
    PcmParams off = projected ? Projected(10.0) : ConventionalParams();
    PcmParams on = off;
    WithTemperatureModel(on);
    PcmArray a(off, 3000, 7), b(on, 3000, 7);
    const ArrayD tg = Targets(3000, a.g_min(), a.g_max());
    const ProgramStats sa = a.ProgramVerify(tg, 0.0), sb = b.ProgramVerify(tg, 0.0);
    EXPECT_EQ(sa.pulses, sb.pulses);
    EXPECT_EQ(sa.sum_sq_error, sb.sum_sq_error);
    for (double t : {0.0, 3600.0, 1e7}) {
      ArrayD ra, rb, ea, eb, na, nb;
      a.Read(t, ra, true);
      b.Read(t, rb, true);
      a.ExpectedConductance(t, ea);
      b.ExpectedConductance(t, eb);
      a.ReadNoiseStd(t, na);
      b.ReadNoiseStd(t, nb);
      EXPECT_TRUE(SameBits(ra, rb)) << "projected " << projected << " t " << t;
      EXPECT_TRUE(SameBits(ea, eb));
      EXPECT_TRUE(SameBits(na, nb));
    }
  }
}

// The temperature before issue 15 (one E_a, SetTemperature) is the special case slope = 0,
// spread = 0, TCR = 0 of the new model: same bits at 350 K.
TEST(Temperature, UniformActivationEnergyKeepsTheOldFormula) {
  PcmParams p = ConventionalParams();
  p.activation_energy_eV = 0.3;
  p.prog_noise_scale = 0.0;
  PcmArray a(p, 10, 3);
  a.ProgramStatistical(Targets(10, 1 * kUs, 20 * kUs), 0.0);
  a.SetTemperature(350.0);
  ArrayD g, g0;
  a.ExpectedConductance(0.0, g);
  a.ProgrammedConductance(g0);
  const double theta = std::exp(-0.3 / 8.617333262e-5 * (1.0 / 350.0 - 1.0 / 300.0));
  for (Index i = 0; i < 10; ++i) EXPECT_EQ(g[i], g0[i] * theta);
}

// d ln G / dT = E_a,i / (k T^2) for a conventional cell; the projected cell's is that times
// G_a / (G_a + G_p) = 1/(1+k) at t0 (R_s = 0, TCR = 0), checked by a centred difference.
TEST(Temperature, ProjectedSensitivityIsTheConventionalTimesTheShare) {
  const double k = 9.0, T = 300.0, h = 0.01;
  PcmParams c = ConventionalParams(), p = Projected(k);
  WithTemperatureModel(c);
  WithTemperatureModel(p);
  p.projection_tcr_per_K = 0.0;
  c.prog_noise_scale = p.prog_noise_scale = 0.0;
  PcmArray ac(c, 40, 5), ap(p, 40, 5);
  const ArrayD tg = Targets(40, 2 * kUs, 25 * kUs);
  ac.ProgramStatistical(tg, 0.0);
  ap.ProgramStatistical(tg, 0.0);
  auto slope = [&](PcmArray& a, ArrayD& out) {
    ArrayD g1, g2;
    a.SetTemperature(T - h);
    a.ExpectedConductance(0.0, g1);
    a.SetTemperature(T + h);
    a.ExpectedConductance(0.0, g2);
    out = (g2.log() - g1.log()) / (2 * h);
  };
  ArrayD sc, sp, eac, eap;
  slope(ac, sc);
  slope(ap, sp);
  ac.ActivationEnergy(eac);
  ap.ActivationEnergy(eap);
  const double kb = 8.617333262e-5;
  for (Index i = 0; i < 40; ++i) {
    EXPECT_NEAR(sc[i], eac[i] / (kb * T * T), 1e-6 * sc[i]);
    // The projected cell's amorphous segment holds a conductance (1+k) times smaller, so its
    // E_a (state dependent) is that of a more amorphous conventional cell.
    EXPECT_NEAR(sp[i], eap[i] / (kb * T * T) / (1.0 + k), 1e-6 * sp[i]);
  }
  EXPECT_GT(eac.maxCoeff(), eac.minCoeff());  // state dependence and spread are present
}

// A metal projection with TCR alpha: G_p(T) = G_p / (1 + alpha dT); with E_a = 0 the cell
// changes by exactly k/(1+k) of that.
TEST(Temperature, ProjectionTcrActsOnTheProjectionShare) {
  PcmParams p = Projected(4.0);
  p.projection_tcr_per_K = 1e-3;
  p.prog_noise_scale = 0.0;
  PcmArray a(p, 5, 1);
  a.ProgramStatistical(Targets(5, 3 * kUs, 20 * kUs), 0.0);
  ArrayD g0, g;
  a.ExpectedConductance(0.0, g0);
  a.SetTemperature(340.0);
  a.ExpectedConductance(0.0, g);
  for (Index i = 0; i < 5; ++i) EXPECT_NEAR(g[i] / g0[i], (1.0 + 4.0 / (1.0 + 40e-3)) / 5.0, 1e-14);
  EXPECT_NEAR(NominalTemperatureRatio(p, 340.0), (1.0 + 4.0 / (1.0 + 40e-3)) / 5.0, 1e-15);
}

TEST(Temperature, TraceInterpolatesAndMatchesAConstantTemperature) {
  PcmParams p = ConventionalParams();
  p.activation_energy_eV = 0.25;
  PcmParams q = p;
  q.temperature_trace_time_s = {0.0, 1.0, 100.0};
  q.temperature_trace_K = {300.0, 330.0, 360.0};
  PcmArray a(p, 500, 9), b(q, 500, 9);
  EXPECT_DOUBLE_EQ(b.TemperatureAt(-5.0), 300.0);
  EXPECT_DOUBLE_EQ(b.TemperatureAt(0.5), 315.0);
  EXPECT_DOUBLE_EQ(b.TemperatureAt(50.5), 345.0);
  EXPECT_DOUBLE_EQ(b.TemperatureAt(1e9), 360.0);
  const ArrayD tg = Targets(500, 1 * kUs, 25 * kUs);
  a.ProgramVerify(tg, 0.0);  // both programmed at 300 K
  b.ProgramVerify(tg, 0.0);
  ArrayD ra, rb;
  a.SetTemperature(360.0);
  a.Read(1000.0, ra, true);
  b.Read(1000.0, rb, true);
  EXPECT_TRUE(SameBits(ra, rb));
  PcmParams bad = q;
  bad.temperature_trace_K = {300.0, 330.0};
  PCMSIM_EXPECT_THROW_MSG(bad.Validate(), ConfigError, "temperature.trace_K");
  bad = q;
  bad.temperature_trace_time_s = {0.0, 1.0, 1.0};
  PCMSIM_EXPECT_THROW_MSG(bad.Validate(), ConfigError, "temperature.trace_time_s", "increasing");
}

// --- program-and-verify limited by verify noise ----------------------------------------------

TEST(ProgramVerify, VerifyNoiseToleranceConvergesTighterForAQuieterCell) {
  auto residual = [](PcmParams p, PvToleranceMode m, double noise = 1.0, double gran = 0.0) {
    p.pv_tolerance_mode = m;
    p.pv_max_iterations = 60;
    p.read_noise_scale = noise;
    p.pv_granularity = gran;
    PcmArray a(p, 20000, 11);
    const ArrayD tg = Targets(20000, 0.5 * (a.g_min() + a.g_max()), a.g_max());
    return a.ProgramVerify(tg, 0.0).RmsError();
  };
  for (const PcmParams& p : {ConventionalParams(), Projected(10.0)}) {
    const double full = residual(p, PvToleranceMode::kVerifyNoise);
    const double half = residual(p, PvToleranceMode::kVerifyNoise, 0.5);
    // The residual follows the verify noise: half the noise, about half the residual.
    EXPECT_GT(half / full, 0.35) << p.name;
    EXPECT_LT(half / full, 0.65) << p.name;
    // Pulse granularity sets a floor: the band is at least half a granule.
    EXPECT_GT(residual(p, PvToleranceMode::kVerifyNoise, 0.1, 1.0 * kUs), 2.0 * residual(p, PvToleranceMode::kVerifyNoise, 0.1))
        << p.name;
  }
  // The projected cell's verify reads are quieter, so it converges tighter.
  EXPECT_LT(residual(Projected(10.0), PvToleranceMode::kVerifyNoise),
            residual(ConventionalParams(), PvToleranceMode::kVerifyNoise));
}

// --- the effective-bits metric -------------------------------------------------------------

TEST(MultiplyStudy, BitsOfAnalyticErrors) {
  EXPECT_NEAR(ProductBitsRms(1.0 / (std::sqrt(12.0) * 256.0)), 8.0, 1e-12);
  EXPECT_NEAR(ProductBitsP99(1.0 / 512.0), 8.0, 1e-12);
  EXPECT_EQ(ProductBitsRms(0.0), 53.0);
}

// Noise-free cells with one drift exponent nu: p = x w d, d = ((t + t0)/t0)^-nu, so the
// uncompensated rms error is |1 - d| sqrt(E[x^2] E[w^2]) (independent operands); global
// compensation removes it exactly.
TEST(MultiplyStudy, UniformDriftGivesTheAnalyticBits) {
  PcmParams p = IdealParams();
  p.nu_mean = StateFit::Constant(0.05);
  MultiplyStudyOptions o;
  o.cells = 40000;
  o.program_verify = false;
  o.times_s = {3600.0};
  o.temperatures_K = {300.0};
  const MultiplyStudyResult r = RunMultiplyStudy(p, o);
  const double d = std::pow((3600.0 + p.t0) / p.t0, -0.05);
  const double ex2 = 511.0 / (6.0 * 255.0), ew2 = 1.0 / 3.0;  // 256-level input grid, uniform w
  const double expect = ProductBitsRms(std::abs(1.0 - d) * std::sqrt(ex2 * ew2));
  EXPECT_NEAR(r.Rms(MultiplyReference::kTarget, InputEncoding::kPulseWidth, MultiplyCompensation::kNone)(0, 0), expect, 0.03);
  EXPECT_GT(r.Rms(MultiplyReference::kTarget, InputEncoding::kPulseWidth, MultiplyCompensation::kGlobal)(0, 0), 40.0);
}

}  // namespace
}  // namespace pcmsim::device
