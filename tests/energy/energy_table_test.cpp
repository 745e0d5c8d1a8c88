// Energy tables: the shipped files load, derived entries follow the stated rules, and every
// mistake names the file and the key.
#include "pcmsim/experiment/energy_table_load.hpp"

#include <cmath>

#include "test_util.hpp"

namespace pcmsim::energy {
namespace {

using experiment::LoadEnergyTable;
using experiment::DefaultEnergyTable;
using experiment::DefaultDigitalTableText;
using experiment::DefaultAnalogTableText;

EnergyTable LoadWith(const std::vector<std::string>& digital_set, const std::vector<std::string>& analog_set) {
  io::ConfigReader d = io::ConfigReader::FromString(DefaultDigitalTableText(), "digital.toml");
  io::ConfigReader a = io::ConfigReader::FromString(DefaultAnalogTableText(), "analog.toml");
  for (const auto& s : digital_set) d.ApplyOverride(s);
  for (const auto& s : analog_set) a.ApplyOverride(s);
  return LoadEnergyTable(d, a);
}

TEST(EnergyTableTest, ShippedFilesMatchBuiltInCopies) {
  const auto dir = testing::SourceDir() / "devices";
  const EnergyTable files = LoadEnergyTable(dir / "energy_45nm.toml", dir / "energy_analog.toml");
  const EnergyTable built_in = DefaultEnergyTable();
  EXPECT_EQ(files.entries.size(), built_in.entries.size());
  for (const auto& [k, e] : files.entries) EXPECT_EQ(e.value, built_in.entries.at(k).value) << k;
}

TEST(EnergyTableTest, CitedAndDerivedEntries) {
  const EnergyTable t = DefaultEnergyTable();
  EXPECT_DOUBLE_EQ(t.Format("fp32").multiply_J, 3.7e-12);
  EXPECT_DOUBLE_EQ(t.MacEnergy("fp32/fp32"), 4.6e-12);
  // Multiplier ~ p^2, adder ~ p, from fp16 (p = 11) and int8 (p = 8).
  EXPECT_DOUBLE_EQ(t.Format("fp8_152").multiply_J, 1.1e-12 * 9.0 / 121.0);
  EXPECT_DOUBLE_EQ(t.Format("fp16_169").add_J, 0.4e-12 * 10.0 / 11.0);
  EXPECT_DOUBLE_EQ(t.Format("int16").multiply_J, 0.2e-12 * 4.0);
  EXPECT_DOUBLE_EQ(t.MacEnergy("fp8_152/fp16_169"), 1.1e-12 * 9.0 / 121.0 + 0.4e-12 * 10.0 / 11.0);
  EXPECT_EQ(t.entries.at("format.fp8_152.multiply").status, "derived");
  // E = V I t of the NVSim sample cell at the stated 1.2 V.
  EXPECT_DOUBLE_EQ(t.reset_J, 1.2 * 300e-6 * 40e-9);
  EXPECT_DOUBLE_EQ(t.set_J, 1.2 * 150e-6 * 150e-9);
  EXPECT_DOUBLE_EQ(t.MemoryEnergyPerByte("dram"), 1.3e-9 / 8);
  EXPECT_DOUBLE_EQ(t.adc.EnergyAt(8), 150e-15);
  for (const auto& [k, e] : t.entries) {
    EXPECT_FALSE(e.source.empty()) << k;
    EXPECT_FALSE(e.status.empty()) << k;
  }
}

TEST(EnergyTableTest, NodeScaleAppliesToLogicAndSramNotDram) {
  const EnergyTable base = DefaultEnergyTable();
  const EnergyTable s = LoadWith({"table.node_scale=0.25"}, {});
  EXPECT_DOUBLE_EQ(s.MacEnergy("int8/int32"), 0.25 * base.MacEnergy("int8/int32"));
  EXPECT_DOUBLE_EQ(s.MemoryEnergyPerByte("sram"), 0.25 * base.MemoryEnergyPerByte("sram"));
  EXPECT_DOUBLE_EQ(s.MemoryEnergyPerByte("dram"), base.MemoryEnergyPerByte("dram"));
  EXPECT_DOUBLE_EQ(s.scaling_J, 0.25 * base.scaling_J);
}

TEST(EnergyTableTest, AdcPresetAndBitScalingAreSelectable) {
  const EnergyTable survey = LoadWith({}, {"adc.preset=survey_median"});
  EXPECT_DOUBLE_EQ(survey.adc.EnergyAt(8), 8.4e-12);
  const EnergyTable lin = LoadWith({}, {"adc.bits_scaling=linear"});
  EXPECT_DOUBLE_EQ(lin.adc.EnergyAt(4), 75e-15);
}

TEST(EnergyTableTest, ErrorsNameFileAndKey) {
  PCMSIM_EXPECT_THROW_MSG(LoadWith({"format.fp32.mutliply_pJ=1"}, {}), ConfigError, "digital.toml", "unknown key",
                          "format.fp32.mutliply_pJ");
  PCMSIM_EXPECT_THROW_MSG(LoadWith({}, {"pulse.set_tme_ns=3"}), ConfigError, "analog.toml", "pulse.set_tme_ns");
  PCMSIM_EXPECT_THROW_MSG(LoadWith({"format.fp32.add_pJ=-0.9"}, {}), ConfigError, "digital.toml",
                          "format.fp32.add_pJ", "> 0");
  PCMSIM_EXPECT_THROW_MSG(LoadWith({}, {"adc.preset=flash"}), ConfigError, "analog.toml", "adc.preset", "flash",
                          "sar_imc", "survey_median");
  PCMSIM_EXPECT_THROW_MSG(LoadWith({}, {"adc.bits_scaling=cubic"}), ConfigError, "adc.bits_scaling", "walden");
  PCMSIM_EXPECT_THROW_MSG(LoadWith({"format.bf16.derive_from=fp64"}, {}), ConfigError, "format.bf16.derive_from",
                          "fp64");
  PCMSIM_EXPECT_THROW_MSG(LoadWith({"periphery.scaling_format=fp12"}, {}), ConfigError,
                          "periphery.scaling_format", "fp12");
  PCMSIM_EXPECT_THROW_MSG(LoadWith({}, {"analytic.input_duty=1.5"}), ConfigError, "analytic.input_duty", "1.5");
  PCMSIM_EXPECT_THROW_MSG(LoadWith({}, {"analytic.accumulator_format=int64"}), ConfigError,
                          "analytic.accumulator_format", "int64");
  // A required key that is missing.
  std::string text(DefaultAnalogTableText());
  const size_t at = text.find("voltage_V = 0.2");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 15, "voltage_mV = 200");
  io::ConfigReader d = io::ConfigReader::FromString(DefaultDigitalTableText(), "digital.toml");
  io::ConfigReader a = io::ConfigReader::FromString(text, "analog.toml");
  PCMSIM_EXPECT_THROW_MSG(LoadEnergyTable(d, a), ConfigError, "analog.toml", "read.voltage_V", "required");
}

TEST(EnergyTableTest, UnknownMacFormatNamesIt) {
  const EnergyTable t = DefaultEnergyTable();
  PCMSIM_EXPECT_THROW_MSG(t.MacEnergy("fp7/fp32"), ConfigError, "fp7", "fp8_152");
  PCMSIM_EXPECT_THROW_MSG(t.MacEnergy("fp32"), ConfigError, "fp32", "operand/accumulator");
  PCMSIM_EXPECT_THROW_MSG(t.MemoryEnergyPerByte("hbm"), ConfigError, "hbm");
}

}  // namespace
}  // namespace pcmsim::energy
