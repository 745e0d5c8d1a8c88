// Device presets load and match the built-in fits; config mistakes raise ConfigError naming
// the offending key (unknown key, g_min >= g_max, negative time, zero levels, ...).
#include "pcmsim/device/pcm_params.hpp"

#include <gtest/gtest.h>

#include <string>

#include "pcmsim/device/characterize.hpp"
#include "pcmsim/io/config.hpp"
#include "test_util.hpp"

namespace pcmsim::device {
namespace {

using pcmsim::testing::SourceDir;

PcmParams FromText(const std::string& text) {
  io::ConfigReader r = io::ConfigReader::FromString(text, "test.toml");
  PcmParams p = LoadPcmParams(r);
  r.CheckAllConsumed();
  return p;
}

void ExpectSameFit(const StateFit& a, const StateFit& b, const char* what) {
  for (double g : {1e-4, 0.01, 0.05, 0.0945, 0.1, 0.16, 0.3, 0.5, 0.8, 1.0})
    EXPECT_DOUBLE_EQ(a(g), b(g)) << what << " at g_r " << g;
}

TEST(PcmParamsPresets, AllPresetFilesLoadAndValidate) {
  for (const char* name : {"pcm_conventional", "pcm_hermes", "pcm_training", "pcm_projected", "ideal"}) {
    const PcmParams p = LoadPcmParamsFile(SourceDir() / "devices" / (std::string(name) + ".toml"));
    EXPECT_EQ(p.name, name);
  }
}

TEST(PcmParamsPresets, ConventionalFileEqualsBuiltInFit) {
  const PcmParams f = LoadPcmParamsFile(SourceDir() / "devices" / "pcm_conventional.toml");
  const PcmParams c = ConventionalParams();
  ExpectSameFit(f.sigma_prog, c.sigma_prog, "sigma_prog");
  ExpectSameFit(f.nu_mean, c.nu_mean, "nu_mean");
  ExpectSameFit(f.nu_std, c.nu_std, "nu_std");
  ExpectSameFit(f.q_s, c.q_s, "q_s");
  EXPECT_DOUBLE_EQ(f.g_max, 25e-6);
  EXPECT_DOUBLE_EQ(f.t0, 20.0);
  EXPECT_DOUBLE_EQ(f.t_read, 250e-9);
  // Derived check values of PHYSICS.md sec. 1.
  EXPECT_NEAR(f.sigma_prog(1.0), 1.055, 1e-3);
  EXPECT_NEAR(f.sigma_prog(0.1), 0.448, 1e-3);
  EXPECT_NEAR(f.nu_mean(0.1), 0.060, 1e-3);
  EXPECT_NEAR(f.q_s(0.1), 0.039, 1e-3);
}

TEST(PcmParamsPresets, HermesFitMatchesPhysicsCheckValues) {
  const PcmParams h = LoadPcmParamsFile(SourceDir() / "devices" / "pcm_hermes.toml");
  EXPECT_NEAR(h.nu_mean(1.0), 0.0174, 1e-4);  // mu_nu ~ 0.017 at g_r = 1
  EXPECT_NEAR(h.nu_mean(0.01), 0.13, 1e-9);   // 0.13 at g_r = 0.01 (clipped)
  EXPECT_DOUBLE_EQ(h.g_max, 20.7e-6);
  EXPECT_DOUBLE_EQ(h.t0, 300.0);
  EXPECT_DOUBLE_EQ(h.t_read, 512e-9);
}

TEST(PcmParamsPresets, ProjectedAndTrainingPresets) {
  const PcmParams p = LoadPcmParamsFile(SourceDir() / "devices" / "pcm_projected.toml");
  EXPECT_TRUE(p.HasProjection());
  EXPECT_DOUBLE_EQ(p.projection_ratio, 10.0);
  const PcmParams t = LoadPcmParamsFile(SourceDir() / "devices" / "pcm_training.toml");
  EXPECT_EQ(t.read_model, ReadNoiseModel::kAffine);
  EXPECT_DOUBLE_EQ(t.nu_mean(0.3), 0.04);
  EXPECT_DOUBLE_EQ(t.nu_std(0.3), 0.0);
  EXPECT_DOUBLE_EQ(t.read_affine, 0.13e-6);
}

TEST(PcmParamsErrors, UnknownKeyIsNamed) {
  PCMSIM_EXPECT_THROW_MSG(FromText("[drift]\ndrfit_nu = 0.1\n"), ConfigError, "test.toml", "drift.drfit_nu");
}

TEST(PcmParamsErrors, ImpossibleValuesNameTheKey) {
  PCMSIM_EXPECT_THROW_MSG(FromText("[range]\ng_min_uS = 30.0\ng_max_uS = 25.0\n"), ConfigError, "test.toml",
                          "range.g_max_uS", "25");
  PCMSIM_EXPECT_THROW_MSG(FromText("[drift]\nt0_s = -1.0\n"), ConfigError, "drift.t0_s");
  PCMSIM_EXPECT_THROW_MSG(FromText("[read]\nt_read_ns = 0\n"), ConfigError, "read.t_read_ns");
  PCMSIM_EXPECT_THROW_MSG(FromText("[program_verify]\nmax_iterations = 0\n"), ConfigError,
                          "program_verify.max_iterations");
  PCMSIM_EXPECT_THROW_MSG(FromText("[projection]\nratio = 5.0\n"), ConfigError, "projection.ratio", "projected");
  PCMSIM_EXPECT_THROW_MSG(FromText("[faults]\nstuck_set_prob = 0.7\nstuck_reset_prob = 0.6\n"), ConfigError,
                          "faults.stuck_reset_prob");
  PCMSIM_EXPECT_THROW_MSG(FromText("[read]\nmodel = \"pink\"\n"), ConfigError, "read.model", "one_over_f");
  PCMSIM_EXPECT_THROW_MSG(FromText("[drift.nu_mean]\npoly = [1, 2, 3, 4, 5]\n"), ConfigError,
                          "drift.nu_mean.poly");
  PCMSIM_EXPECT_THROW_MSG(FromText("[drift.nu_std]\npoly = [-0.01]\n"), ConfigError, "drift.nu_std");
  PCMSIM_EXPECT_THROW_MSG(FromText("model = \"projected\"\n[projection]\nseries_resistance_kohm = 100.0\n"),
                          ConfigError, "projection.series_resistance_kohm");
  PCMSIM_EXPECT_THROW_MSG(FromText("[range]\ng_max_uS = \"big\"\n"), ConfigError, "range.g_max_uS");
}

// Regression: inf passed every ">= 0" check (programming.noise_scale = inf ran at chance).
// Documented infinities (split = inf: low branch only; open clip bounds) stay valid.
TEST(PcmParamsErrors, NonFiniteValuesAreRejectedUnlessDocumented) {
  PCMSIM_EXPECT_THROW_MSG(FromText("[programming]\nnoise_scale = inf\n"), ConfigError, "programming.noise_scale = inf",
                          "finite");
  PCMSIM_EXPECT_THROW_MSG(FromText("[read]\nnoise_scale = inf\n"), ConfigError, "read.noise_scale");
  PCMSIM_EXPECT_THROW_MSG(FromText("[drift]\nscale = inf\n"), ConfigError, "drift.scale");
  PCMSIM_EXPECT_THROW_MSG(FromText("[range]\ng_max_uS = inf\n"), ConfigError, "range.g_max_uS");
  PCMSIM_EXPECT_THROW_MSG(FromText("[pulse]\nset_dg_slope = -inf\n"), ConfigError, "pulse.set_dg_slope");
  PCMSIM_EXPECT_THROW_MSG(FromText("[drift.nu_mean]\nlog_a = inf\n"), ConfigError, "drift.nu_mean.log_a");
  PCMSIM_EXPECT_THROW_MSG(FromText("[drift.nu_mean]\nlow_max = nan\n"), ConfigError, "drift.nu_mean.low_m");
  EXPECT_NO_THROW(FromText("[drift.nu_mean]\nsplit = inf\nlow_max = inf\n"));
}

TEST(PcmParamsErrors, PrefixedSectionNamesFullKey) {
  io::ConfigReader r = io::ConfigReader::FromString("[device.range]\ng_max_uS = -3\n", "exp.toml");
  PCMSIM_EXPECT_THROW_MSG(LoadPcmParams(r, "device"), ConfigError, "exp.toml", "device.range.g_max_uS");
}

TEST(PcmParamsErrors, CharacterizeOptionsNameTheFlag) {
  CharacterizeOptions o;
  o.levels = 0;
  PCMSIM_EXPECT_THROW_MSG(o.Validate(), ConfigError, "--levels");
  o.levels = 8;
  o.cells = 3;
  PCMSIM_EXPECT_THROW_MSG(o.Validate(), ConfigError, "--cells");
}

}  // namespace
}  // namespace pcmsim::device
