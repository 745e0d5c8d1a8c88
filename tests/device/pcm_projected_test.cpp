// Projected cells: the drift law of the mechanism (noise off), the window shrinking with the
// projection, and the preset against the conventional one state by state: less drift, less
// read noise, more effective bits at every time.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "pcmsim/device/characterize.hpp"
#include "pcmsim/device/pcm_array.hpp"
#include "pcmsim/experiment/options_load.hpp"
#include "test_util.hpp"

namespace pcmsim::device {

using experiment::LoadPcmParams;
using experiment::LoadPcmParamsFile;
namespace {

constexpr double kUs = 1e-6;

PcmParams Projected(double ratio, double r_series = 0.0) {
  PcmParams p = ConventionalParams();
  p.model = CellModel::kProjected;
  p.projection_ratio = ratio;
  p.series_resistance = r_series;
  p.g_min = 0.1 * kUs;
  return p;
}

TEST(ProjectedCell, WindowShrinksAsProjectionGrows) {
  double last = 0.0;
  for (double k : {0.0, 1.0, 10.0, 100.0}) {
    PcmArray a(Projected(k), 1, 1);
    EXPECT_NEAR(a.g_min(), (1 + k) * 0.1 * kUs, 1e-18);
    EXPECT_GT(a.g_min(), last);
    EXPECT_DOUBLE_EQ(a.g_max(), 25 * kUs);
    last = a.g_min();
  }
}

// d ln G / d ln t = -nu * G_a/(G_a + G_p) * G/(G_a + G_p), checked by a centred difference.
TEST(ProjectedCell, DriftSlopeFollowsTheMechanism) {
  for (double r_s : {0.0, 5e3}) {
    PcmParams p = Projected(4.0, r_s);
    p.prog_noise_scale = 0.0;
    p.read_noise_scale = 0.0;
    PcmArray a(p, 200, 3);
    a.ProgramStatistical(ArrayD::LinSpaced(200, 1 * kUs, 25 * kUs), 0.0);
    const double t = 5000.0, h = 1e-4;
    ArrayD g1, g2, g0;
    a.ExpectedConductance(t * (1 - h), g1);
    a.ExpectedConductance(t * (1 + h), g2);
    a.ProgrammedConductance(g0);
    for (Index i = 0; i < 200; ++i) {
      const double slope = (std::log(g2[i]) - std::log(g1[i])) / (std::log(t * (1 + h) + p.t0) - std::log(t * (1 - h) + p.t0));
      const double ga0 = a.AmorphousFromCell(g0[i]);
      const double ga = ga0 * std::pow((t + p.t0) / p.t0, -a.nu()[i]);
      const double y = ga + 4.0 * ga0, g = 1.0 / (r_s + 1.0 / y);
      const double expect = -a.nu()[i] * ga / y * g / y;
      ASSERT_NEAR(slope, expect, 1e-6 * std::abs(a.nu()[i]) + 1e-9) << "cell " << i << " R_s " << r_s;
    }
    // Programmed value is the target (no noise) through the mapping and back.
    for (Index i = 0; i < 200; ++i) ASSERT_NEAR(g0[i], 1 * kUs + (24 * kUs) * double(i) / 199, 1e-9 * kUs);
  }
}

struct StateStats {
  double nu_eff, rel_noise;
};

// Mean effective drift exponent between 1 h and 1 day and mean relative read noise at 1 h of
// cells programmed to `target`.
StateStats Measure(const PcmParams& p, double target) {
  const Index n = 4000;
  PcmArray a(p, n, 17);
  a.ProgramStatistical(ArrayD::Constant(n, target), 0.0);
  ArrayD g1h, g1d, s1h;
  a.ExpectedConductance(3600.0, g1h);
  a.ExpectedConductance(86400.0, g1d);
  a.ReadNoiseStd(3600.0, s1h);
  const double dlt = std::log((86400.0 + p.t0) / (3600.0 + p.t0));
  return {((g1h / g1d).log() / dlt).mean(), (s1h / g1h).mean()};
}

TEST(ProjectedPreset, LessDriftAndNoiseStateByState) {
  const PcmParams conv = LoadPcmParamsFile(pcmsim::testing::SourceDir() / "devices" / "pcm_conventional.toml");
  const PcmParams proj = LoadPcmParamsFile(pcmsim::testing::SourceDir() / "devices" / "pcm_projected.toml");
  for (int l = 1; l <= 8; ++l) {
    const double target = 25 * kUs * l / 8;
    const StateStats c = Measure(conv, target), p = Measure(proj, target);
    std::printf("G %5.2f uS: nu_eff conventional %.4f projected %.4f; read sigma/G at 1 h %.4f vs %.4f\n",
                target / kUs, c.nu_eff, p.nu_eff, c.rel_noise, p.rel_noise);
    EXPECT_LT(p.nu_eff, c.nu_eff) << "level " << l;
    EXPECT_LT(p.rel_noise, c.rel_noise) << "level " << l;
  }
}

TEST(ProjectedPreset, MoreEffectiveBitsAtEveryTime) {
  const PcmParams conv = LoadPcmParamsFile(pcmsim::testing::SourceDir() / "devices" / "pcm_conventional.toml");
  const PcmParams proj = LoadPcmParamsFile(pcmsim::testing::SourceDir() / "devices" / "pcm_projected.toml");
  CharacterizeOptions o;
  o.cells = 40000;
  CharacterizeResult rc, rp;
  MeasurePrecision(conv, o, rc);
  MeasurePrecision(proj, o, rp);
  for (size_t k = 0; k < o.precision_times_s.size(); ++k) {
    std::printf("t %9.0f s: effective bits conventional %.2f (uncompensated %.2f), projected %.2f (%.2f)\n",
                o.precision_times_s[k], rc.effective_bits[k], rc.effective_bits_uncompensated[k],
                rp.effective_bits[k], rp.effective_bits_uncompensated[k]);
    EXPECT_GT(rp.effective_bits[k], rc.effective_bits[k]) << "t " << o.precision_times_s[k];
    EXPECT_GT(rp.effective_bits_uncompensated[k], rc.effective_bits_uncompensated[k]);
  }
}

}  // namespace
}  // namespace pcmsim::device
