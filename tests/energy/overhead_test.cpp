// Chip-level tables: each calibrated overhead reproduces its anchor on the anchor's own workload
// (because the calibration solves for it, whatever the device-level entries are), a changed
// overhead moves the ledger by exactly overhead x events, and bad anchors are named.
#include "pcmsim/energy/overhead.hpp"

#include <cmath>

#include "pcmsim/energy/analytic.hpp"
#include "pcmsim/energy/ledger.hpp"
#include "pcmsim/experiment/energy_table_load.hpp"
#include "pcmsim/experiment/energy_tables.hpp"
#include "test_util.hpp"

namespace pcmsim::energy {
namespace {

using experiment::LoadEnergyTable;
using experiment::DefaultEnergyTable;
using experiment::ChipEnergyTable;
using experiment::LoadTables;
using experiment::TableChoice;

constexpr size_t C(Component c) { return static_cast<size_t>(c); }

EnergyTable Chip(const std::vector<std::string>& digital_set = {}, const std::vector<std::string>& analog_set = {}) {
  TableChoice c;
  c.tables = "chip";
  c.digital_set = digital_set;
  c.analog_set = analog_set;
  return LoadTables(c);
}

double AnalogTops(const EnergyTable& t) {
  const PhaseCounts w = AnalogAnchorWorkload(t, *t.chip.analog_anchor);
  return TopsPerWatt(2 * w.analog_macs, Sum(Price(w, t)));
}

double DigitalTops(const EnergyTable& t, const std::string& anchor) {
  for (const auto& a : t.chip.digital_anchors) {
    if (a.name == anchor) return TopsPerWatt(2, Sum(Price(DigitalAnchorWorkload(a), t)));
  }
  ADD_FAILURE() << "no anchor " << anchor;
  return 0;
}

TEST(OverheadTest, ShippedChipFilesMatchBuiltInCopies) {
  const auto dir = testing::SourceDir() / "devices";
  const EnergyTable files = LoadEnergyTable(dir / "energy_digital_7nm.toml", dir / "energy_hermes_14nm.toml");
  const EnergyTable built_in = ChipEnergyTable();
  EXPECT_EQ(files.entries.size(), built_in.entries.size());
  for (const auto& [k, e] : files.entries) EXPECT_EQ(e.value, built_in.entries.at(k).value) << k;
  for (const auto& [k, e] : built_in.entries) {
    EXPECT_FALSE(e.source.empty()) << k;
    EXPECT_FALSE(e.status.empty()) << k;
  }
}

TEST(OverheadTest, LevelNamesWhichTablesAreChipLevel) {
  EXPECT_EQ(DefaultEnergyTable().Level(), "device");
  EXPECT_EQ(ChipEnergyTable().Level(), "chip");
  TableChoice c;
  c.tables = "chip";
  c.analog = (testing::SourceDir() / "devices" / "energy_analog.toml").string();
  const EnergyTable mixed = LoadTables(c);
  EXPECT_EQ(mixed.Level(), "mixed (digital chip, analog device)");
  EXPECT_EQ(mixed.chip.analog_J, 0.0);
  EXPECT_GT(mixed.chip.float_mac_J, 0.0);
  // Device-level tables price no overhead at all.
  PhaseCounts c8;
  c8.adc[8] = 100;
  c8.macs["fp32/fp32"] = 100;
  EXPECT_EQ(Price(c8, DefaultEnergyTable())[C(Component::kChipOverhead)], 0.0);
}

// Every HERMES anchor, with the overhead on either event, reproduces its TOPS/W on a 256x256
// 8-bit MVM: the model's own pricing of the anchor workload, not a stored figure.
TEST(OverheadTest, AnalogAnchorsAreReproducedOnTheirWorkload) {
  for (const auto& [anchor, tops] :
       std::vector<std::pair<std::string, double>>{{"one_phase", 9.76}, {"four_phase", 2.48}, {"core", 10.5}}) {
    for (const char* attach : {"conversion", "mac"}) {
      const EnergyTable t = Chip({}, {"chip.calibrate_to=" + anchor, std::string("chip.attach=") + attach});
      EXPECT_NEAR(AnalogTops(t), tops, 1e-9 * tops) << anchor << " " << attach;
      EXPECT_GT(t.chip.analog_J, 0) << anchor;
      ASSERT_FALSE(t.chip.derivation.empty());
      EXPECT_NE(t.chip.derivation.back().find("calibrated to: chip.anchor." + anchor), std::string::npos);
    }
  }
  // Both attachments spread the same MVM overhead: 256 conversions or 256 x 256 MACs.
  const EnergyTable conv = Chip({}, {"chip.attach=conversion"}), mac = Chip({}, {"chip.attach=mac"});
  EXPECT_NEAR(conv.chip.analog_J, 256 * mac.chip.analog_J, 1e-9 * conv.chip.analog_J);
}

TEST(OverheadTest, DigitalAnchorsAreReproducedPerClass) {
  const EnergyTable t = Chip();
  EXPECT_NEAR(DigitalTops(t, "hfp8_training"), 3.58, 1e-9 * 3.58);
  EXPECT_NEAR(DigitalTops(t, "int4_inference"), 16.9, 1e-9 * 16.9);
  // Overhead = anchor energy per MAC - the device-level MAC at 7 nm (node_scale applied).
  const double hfp8 = 2 / 3.58e12 - t.MacEnergy("hfp8/fp16");
  EXPECT_NEAR(t.chip.float_mac_J, hfp8, 1e-9 * hfp8);
  const double int4 = 2 / 16.9e12 - t.MacEnergy("int4/int16");
  EXPECT_NEAR(t.chip.integer_mac_J, int4, 1e-9 * int4);
  // Other formats of a class pay that class's overhead on top of their own MAC energy.
  PhaseCounts c;
  c.macs["fp32/fp32"] = 10;
  c.macs["int8/int32"] = 3;
  const ComponentJoules j = Price(c, t);
  EXPECT_NEAR(j[C(Component::kChipOverhead)], 10 * t.chip.float_mac_J + 3 * t.chip.integer_mac_J, 1e-24);
  EXPECT_NEAR(j[C(Component::kDigitalMacs)], 10 * t.MacEnergy("fp32/fp32") + 3 * t.MacEnergy("int8/int32"), 1e-24);
}

// The calibration solves for the overhead: a dearer device-level ADC leaves the anchor where it
// was and lowers the per-conversion overhead by exactly the ADC's extra energy.
TEST(OverheadTest, CalibrationAbsorbsDeviceLevelChanges) {
  const EnergyTable base = Chip(), survey = Chip({}, {"adc.preset=survey_median"});
  EXPECT_NEAR(AnalogTops(survey), 9.76, 1e-9 * 9.76);
  EXPECT_NEAR(base.chip.analog_J - survey.chip.analog_J, 8.4e-12 - 150e-15, 1e-9 * 8.4e-12);
  const EnergyTable scaled = Chip({"table.node_scale=0.2"});
  EXPECT_NEAR(DigitalTops(scaled, "hfp8_training"), 3.58, 1e-9 * 3.58);
  EXPECT_NEAR(base.chip.float_mac_J - scaled.chip.float_mac_J,
              scaled.MacEnergy("hfp8/fp16") - base.MacEnergy("hfp8/fp16"), 1e-24);
  // A different anchor moves the overhead in proportion to the anchor energy.
  const EnergyTable four = Chip({}, {"chip.calibrate_to=four_phase"});
  const double model = 2 * 65536 / 9.76e12 - 256 * base.chip.analog_J;  // device part of the MVM
  EXPECT_NEAR(256 * four.chip.analog_J, 2 * 65536 / 2.48e12 - model, 1e-6 * model);
}

TEST(OverheadTest, ChangingAnOverheadMovesTheTotalAsTheLedgerSays) {
  EventCounts e;
  PhaseCounts& a = e.At("layer_0", Phase::kInference);
  a.adc[8] = 1234;
  a.dac[8] = 5000;
  a.analog_macs = 98765;
  a.read_g_dt = 1e-9;
  a.scalings = 1234;
  PhaseCounts& d = e.At("layer_1", Phase::kForward);
  d.macs["fp8_152/fp16_169"] = 4.5e6;
  d.macs["int8/int32"] = 2e5;
  d.bytes["dram"] = 1e4;
  const EnergyTable t = Chip();
  const Ledger base = ComputeLedger(e, t);
  struct Case {
    double ChipOverhead::*field;
    double events;
  };
  for (const Case& k : {Case{&ChipOverhead::analog_J, 1234}, Case{&ChipOverhead::float_mac_J, 4.5e6},
                        Case{&ChipOverhead::integer_mac_J, 2e5}}) {
    EnergyTable u = t;
    const double delta = 0.37e-12;
    u.chip.*k.field += delta;
    const Ledger l = ComputeLedger(e, u);
    EXPECT_NEAR(l.Total() - base.Total(), delta * k.events, 1e-9 * delta * k.events);
    EXPECT_NEAR(l.Of(Component::kChipOverhead) - base.Of(Component::kChipOverhead), delta * k.events,
                1e-9 * delta * k.events);
    for (int c = 0; c < kNumComponents; ++c) {
      if (static_cast<Component>(c) == Component::kChipOverhead) continue;
      EXPECT_EQ(l.Of(static_cast<Component>(c)), base.Of(static_cast<Component>(c))) << c;
    }
  }
  // Per-MAC attachment charges in-array MACs instead of conversions.
  EnergyTable m = Chip({}, {"chip.attach=mac"});
  const Ledger lm = ComputeLedger(e, m);
  EXPECT_NEAR(lm.Of(Phase::kInference, Component::kChipOverhead), 98765 * m.chip.analog_J, 1e-24);
}

// The analytic 256x256 MVM at chip level is the HERMES anchor's energy, less the per-output
// scaling the analytic comparison leaves out on both sides, plus its SRAM input/output traffic.
TEST(OverheadTest, AnalyticMvmAtChipLevelIsTheAnchorPlusItsTraffic) {
  const EnergyTable t = Chip();
  MvmOptions o;
  const Comparison c = CompareMvm(t, o);
  const double expected = 2 * 65536 / 9.76e12 - 256 * t.scaling_J + 512 * t.MemoryEnergyPerByte("sram");
  EXPECT_NEAR(c.analog.Total(), expected, 1e-9 * expected);
  // Digital: HFP8 MACs at the calibrated 3.58 TFLOPS/W plus the SRAM weight fetch and I/O.
  const double digital = 65536 * 2 / 3.58e12 + (65536 + 512) * t.MemoryEnergyPerByte("sram");
  EXPECT_NEAR(c.digital.Total(), digital, 1e-9 * digital);
}

TEST(OverheadTest, BadAnchorsAreNamed) {
  PCMSIM_EXPECT_THROW_MSG(Chip({}, {"chip.calibrate_to=two_phase"}), ConfigError, "energy_hermes_14nm.toml",
                          "chip.calibrate_to", "core, four_phase, one_phase");
  // An anchor more efficient than the device-level model alone leaves no room for an overhead.
  PCMSIM_EXPECT_THROW_MSG(Chip({}, {"chip.anchor.one_phase.tops_per_w=1000"}), ConfigError,
                          "chip.anchor.one_phase.tops_per_w", "already costs more");
  PCMSIM_EXPECT_THROW_MSG(Chip({"chip.anchor.int4_inference.applies_to=float"}), ConfigError,
                          "energy_digital_7nm.toml", "apply to float");
  PCMSIM_EXPECT_THROW_MSG(Chip({}, {"chip.attach=mvm"}), ConfigError, "chip.attach", "conversion, mac");
  TableChoice bad;
  bad.tables = "silicon";
  PCMSIM_EXPECT_THROW_MSG(LoadTables(bad), ConfigError, "silicon", "device, chip");
}

}  // namespace
}  // namespace pcmsim::energy
