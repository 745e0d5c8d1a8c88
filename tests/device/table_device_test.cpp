// The table device: analytic limits of its laws (noise off), its checkpoint state by name,
// and its validation messages.
#include "pcmsim/device/table_device.hpp"

#include <cmath>
#include <numeric>

#include "pcmsim/core/error.hpp"
#include "test_util.hpp"

namespace pcmsim::device {
namespace {

TableDevice Deterministic() {
  TableDevice d;
  d.name = "det";
  d.g_min = 0.1e-6;
  d.g_max = 20e-6;
  d.g_clip_max = 20e-6;
  d.t0 = 10.0;
  d.nu_mean = {{1e-6, 10e-6}, {0.02, 0.06}, ""};
  d.set_mean = {{0.0, 20e-6}, {1e-6, 0.0}, ""};  // 1 uS at 0, falling linearly to 0 at 20 uS
  d.reset_mean = PiecewiseLinear::Constant(0.1e-6);
  return d;
}

std::vector<Index> All(Index n) {
  std::vector<Index> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), Index{0});
  return v;
}

TEST(TableDeviceTest, NoiseFreeLawsAreExact) {
  const TableDevice d = Deterministic();
  auto a = d.MakeArray(3, 7, 0);
  const std::vector<Index> cells = All(3);
  const std::vector<double> targets = {1e-6, 5.5e-6, 10e-6};
  a->ProgramStatistical(cells, targets, 0.0);
  ArrayD g;
  a->Read(0.0, g, true);  // read noise 0: the targets
  for (int i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(g[i], targets[size_t(i)]);
  // Drift: G_p ((t + t0)/t0)^-nu with nu interpolated at G_p (0.02, 0.04, 0.06).
  a->Read(990.0, g, false);
  const double nus[] = {0.02, 0.04, 0.06};
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(g[i], targets[size_t(i)] * std::pow(100.0, -nus[i]), 1e-18);
  EXPECT_DOUBLE_EQ(a->MaxDriftRate(), 0.06);
  EXPECT_NEAR(a->ReadChangeBound(0.06, 0.0, 990.0), 0.06 * std::log(100.0), 1e-15);
  // RESET to 0.1 uS, then SET steps of 1 uS (1 - G/20 uS) from the present G.
  a->ApplyReset(cells, 1000.0);
  a->ApplySet(cells, std::vector<int>{1, 2, 0}, 1000.0);
  a->Read(1000.0, g, false);
  const double g1 = 0.1e-6 + 1e-6 * (1 - 0.1 / 20);
  const double g2 = g1 + 1e-6 * (1 - g1 / 20e-6);
  EXPECT_NEAR(g[0], g1, 1e-18);
  EXPECT_NEAR(g[1], g2, 1e-18);
  EXPECT_NEAR(g[2], 0.1e-6, 1e-18);
  EXPECT_EQ(a->counters().set_pulses, 3);
  EXPECT_EQ(a->counters().reset_pulses, 3);
  // Mid-window step: the mean step at (g_min + 20 uS) / 2.
  EXPECT_NEAR(a->MidWindowSetStep(), 1e-6 * (1 - 10.05 / 20), 1e-18);
}

TEST(TableDeviceTest, StateByNameResumesBitIdentically) {
  TableDevice d = Deterministic();
  d.read_std = PiecewiseLinear::Constant(0.2e-6);
  d.set_std = PiecewiseLinear::Constant(0.3e-6);
  d.program_std = PiecewiseLinear::Constant(0.5e-6);
  auto a = d.MakeArray(5000, 3, 1);
  const std::vector<Index> cells = All(5000);
  a->ProgramStatistical(cells, std::vector<double>(5000, 5e-6), 0.0);
  StateMap state;
  a->SaveState("cells.", state);
  auto b = d.MakeArray(5000, 3, 1);
  b->LoadState("cells.", state);
  a->ApplySet(cells, std::vector<int>(5000, 2), 10.0);
  b->ApplySet(cells, std::vector<int>(5000, 2), 10.0);
  ArrayD ga, gb;
  a->Read(20.0, ga, true);
  b->Read(20.0, gb, true);
  EXPECT_TRUE((ga == gb).all());
  EXPECT_TRUE(state.count("cells.g_prog") && state.count("cells.nu") && state.count("cells.t_prog"));
}

TEST(TableDeviceTest, ValidationNamesTheKey) {
  TableDevice d = Deterministic();
  d.set_std = {{1e-6, 1e-6}, {0.1e-6, 0.2e-6}, ""};
  PCMSIM_EXPECT_THROW_MSG(d.Validate(), ConfigError, "set.std", "strictly increasing");
  d = Deterministic();
  d.read_std = {{1e-6}, {-1e-7}, ""};
  PCMSIM_EXPECT_THROW_MSG(d.Validate(), ConfigError, "read.std", ">= 0");
  d = Deterministic();
  d.g_clip_max = 10e-6;
  PCMSIM_EXPECT_THROW_MSG(d.Validate(), ConfigError, "range.g_clip_max_uS");
}

}  // namespace
}  // namespace pcmsim::device
