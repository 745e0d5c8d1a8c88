// Analytic comparisons against hand-built oracles from the table's own entries, and the
// expected monotone dependences on tile size and ADC energy.
#include "pcmsim/energy/analytic.hpp"

#include "pcmsim/experiment/energy_table_load.hpp"
#include "test_util.hpp"

namespace pcmsim::energy {
namespace {

using experiment::DefaultEnergyTable;

TEST(AnalyticTest, ScalarMultiplyMatchesHandCalculation) {
  const EnergyTable t = DefaultEnergyTable();
  const Comparison c = CompareScalar(t);
  const AnalyticAssumptions& a = t.analytic;
  const double read = t.read_voltage_V * t.read_voltage_V * a.devices_per_weight * a.g_avg_S * a.read_time_s *
                      a.input_duty;
  EXPECT_DOUBLE_EQ(c.analog.Total(), t.dac.EnergyAt(8) + t.adc.EnergyAt(8) + read);
  EXPECT_DOUBLE_EQ(c.digital.Total(), t.Format("int8").multiply_J);
  EXPECT_DOUBLE_EQ(c.Ratio(), c.digital.Total() / c.analog.Total());
}

TEST(AnalyticTest, MvmMatchesHandCalculation) {
  const EnergyTable t = DefaultEnergyTable();
  MvmOptions o;
  o.rows = 128;
  o.cols = 256;
  const Comparison c = CompareMvm(t, o);
  const double n = 128.0 * 256, sram = t.MemoryEnergyPerByte("sram");
  EXPECT_DOUBLE_EQ(c.digital.Total(), n * t.MacEnergy("int8/int32") + n * sram + (128 + 256) * sram);
  const AnalyticAssumptions& a = t.analytic;
  const double read = 0.04 * 2 * n * a.g_avg_S * a.read_time_s * a.input_duty;
  EXPECT_NEAR(c.analog.Total(), 256 * t.dac.EnergyAt(8) + 128 * t.adc.EnergyAt(8) + read + (128 + 256) * sram,
              1e-12 * c.analog.Total());
  EXPECT_FALSE(c.assumptions.empty());
  EXPECT_DOUBLE_EQ(c.RatioWithoutWeightFetch(), (c.digital.Total() - n * sram) / c.analog.Total());
}

TEST(AnalyticTest, RatioGrowsWithTileAndFallsWithAdcEnergy) {
  const EnergyTable t = DefaultEnergyTable();
  const std::vector<double> f = {0.1, 1, 10};
  const std::vector<Index> n = {64, 256, 1024};
  const auto grid = RatioSensitivity(t, MvmOptions{}, f, n);
  for (size_t i = 0; i < f.size(); ++i) {
    for (size_t k = 1; k < n.size(); ++k) EXPECT_GT(grid[i][k], grid[i][k - 1]);  // converters amortise
    if (i == 0) continue;
    for (size_t k = 0; k < n.size(); ++k) EXPECT_LT(grid[i][k], grid[i - 1][k]);  // dearer ADC, smaller gain
  }
  MvmOptions lo, hi;
  hi.adc_scale = 10;
  EXPECT_GT(CompareMvm(t, hi).AdcShare(), CompareMvm(t, lo).AdcShare());
  MvmOptions bad;
  bad.adc_bits = 0;
  PCMSIM_EXPECT_THROW_MSG(CompareMvm(t, bad), ConfigError, "mvm.adc_bits", "0");
}

TEST(AnalyticTest, FormatAreaAndTrafficAreComputedFromTheTable) {
  const EnergyTable t = DefaultEnergyTable();
  const auto f = CompareFormats(t, {"fp32/fp32", "fp16/fp16", "fp8_152/fp16_169"});
  ASSERT_EQ(f.size(), 3u);
  EXPECT_DOUBLE_EQ(f[0].area_vs_fp32, 1.0);
  const double fp16 = t.Format("fp16").multiply_area_um2 + t.Format("fp16").add_area_um2;
  const double fp32 = t.Format("fp32").multiply_area_um2 + t.Format("fp32").add_area_um2;
  EXPECT_DOUBLE_EQ(f[1].throughput_per_area_vs_fp32, fp32 / fp16);
  EXPECT_GT(f[1].throughput_per_area_vs_fp32, 3.5);  // "16-bit engines ~4x smaller"
  EXPECT_LT(f[1].throughput_per_area_vs_fp32, 4.5);
  EXPECT_DOUBLE_EQ(f[2].dram_bytes_vs_fp32, 0.25);  // 8-bit data: 75 % less DRAM traffic
}

}  // namespace
}  // namespace pcmsim::energy
