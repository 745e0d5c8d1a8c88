// Characterize(): shapes and basic physics of each study on a small conventional array.
#include "pcmsim/device/characterize.hpp"

#include <gtest/gtest.h>

namespace pcmsim::device {
namespace {

TEST(Characterize, StudiesHaveConsistentShapesAndTrends) {
  CharacterizeOptions o;
  o.cells = 8000;
  o.levels = 4;
  o.pulses = 30;
  o.pulse_cells = 2000;
  const CharacterizeResult r = Characterize(ConventionalParams(), o);
  ASSERT_EQ(r.pulse_mean.size(), 31u);
  EXPECT_NEAR(r.pulse_mean[0], 0.1e-6, 0.005e-6);  // RESET level
  EXPECT_GT(r.pulse_mean[10], r.pulse_mean[1]);   // SET steps raise G...
  EXPECT_NEAR(r.pulse_mean[30], 0.892 / 0.084 * 1e-6, 1.0e-6);  // ...towards ~10.6 uS
  ASSERT_EQ(r.level_targets.size(), 4u);
  EXPECT_EQ(r.level_targets.front(), r.g_lo);
  EXPECT_EQ(r.level_targets.back(), r.g_max);
  EXPECT_EQ(r.level_hist.rows(), 4);
  for (int l = 0; l < 4; ++l) EXPECT_EQ(r.level_hist.row(l).sum(), 2000.0);
  ASSERT_EQ(r.drift_mean.cols(), Index(r.drift_times.size()));
  for (int l = 1; l < 4; ++l) EXPECT_LT(r.drift_mean(l, r.drift_mean.cols() - 1), r.drift_mean(l, 0));
  for (int l = 1; l < 4; ++l) EXPECT_NEAR(r.nu_eff[size_t(l)], r.nu_mean[size_t(l)], 1e-9);  // conventional: exact
  ASSERT_EQ(r.read_sigma_1h.size(), 4u);
  ASSERT_EQ(r.read_sigma_1d.size(), 4u);
  ASSERT_EQ(r.effective_bits.size(), 5u);
  EXPECT_GT(r.effective_bits.front(), r.effective_bits.back());
  EXPECT_GT(r.effective_bits.front(), 1.0);
  for (size_t k = 1; k < r.effective_bits.size(); ++k)
    EXPECT_GT(r.effective_bits[k], r.effective_bits_uncompensated[k]);  // compensation helps
  EXPECT_GT(r.pv_stats.MeanPulses(), 1.0);
}

TEST(Characterize, IdealDeviceReachesTheBitCap) {
  CharacterizeOptions o;
  o.cells = 1000;
  CharacterizeResult r;
  MeasurePrecision(IdealParams(), o, r);
  for (double b : r.effective_bits) EXPECT_EQ(b, 53.0);
  for (double e : r.rms_error) EXPECT_EQ(e, 0.0);
}

}  // namespace
}  // namespace pcmsim::device
