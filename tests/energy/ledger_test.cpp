// The ledger: hand-priced synthetic counts, breakdown sums, linearity in the batch, converter
// scaling with bits, and a zero input that still pays DAC/ADC but (almost) no read energy.
#include "pcmsim/energy/ledger.hpp"

#include <cmath>

#include "pcmsim/experiment/counts_file.hpp"
#include "pcmsim/experiment/energy_file.hpp"
#include "pcmsim/experiment/energy_table_load.hpp"
#include "pcmsim/io/h5_json.hpp"
#include "pcmsim/nn/fp32_backend.hpp"
#include "test_util.hpp"

namespace pcmsim::energy {
namespace {

using experiment::LoadEnergyTable;
using experiment::DefaultEnergyTable;
using experiment::ChipEnergyTable;
using experiment::DefaultDigitalTableText;
using experiment::DefaultAnalogTableText;
using experiment::WriteEnergy;
using experiment::ReadEventCounts;
using experiment::HasEventCounts;

constexpr size_t C(Component c) { return static_cast<size_t>(c); }

// Counts as an analog tile of `rows` x `cols` would report for `vectors` sample vectors whose
// inputs use `input_share` of the full read pulse on average (0 = all-zero inputs).
PhaseCounts TileLike(double rows, double cols, double vectors, double input_share) {
  PhaseCounts c;
  c.calls = 1;
  c.samples = vectors;
  c.dac[8] = cols * vectors;
  c.adc[8] = rows * vectors;
  c.cell_reads = 2 * rows * cols * vectors;
  c.read_g_dt = c.cell_reads * 10e-6 * 250e-9 * input_share;
  c.analog_macs = rows * cols * vectors;
  c.scalings = rows * vectors;
  c.bytes["sram"] = (rows + cols) * vectors;
  return c;
}

EventCounts Mixed() {
  EventCounts e;
  e.At("layer_0", Phase::kInference) = TileLike(64, 128, 10, 0.3);
  e.At("layer_0", Phase::kForward) = TileLike(64, 128, 32, 0.4);
  e.At("layer_0", Phase::kUpdate).set_pulses = 1000;
  e.At("layer_0", Phase::kProgramming).program_pulses = 5000;
  e.At("layer_0", Phase::kProgramming).verify_reads = 20000;
  e.At("layer_0", Phase::kProgramming).reset_pulses = 7;
  e.layer = "layer_1";
  e[Phase::kInference].macs["fp8_152/fp16_169"] = 1e5;
  e[Phase::kInference].samples = 10;
  e[Phase::kForward].macs["fp32/fp32"] = 3e5;
  e[Phase::kForward].bytes["dram"] = 4e4;
  e[Phase::kBackward].macs["int8/int32"] = 2e5;
  e[Phase::kBackward].activations = 640;
  e[Phase::kBackward].partial_sum_adds = 99;
  e[Phase::kUpdate].calls = 4;
  return e;
}

TEST(LedgerTest, PricesEveryComponentByHand) {
  const EnergyTable t = DefaultEnergyTable();
  const PhaseCounts c = TileLike(64, 128, 10, 0.3);
  const ComponentJoules j = Price(c, t);
  EXPECT_DOUBLE_EQ(j[C(Component::kArrayReads)], 0.04 * c.read_g_dt);
  EXPECT_DOUBLE_EQ(j[C(Component::kDac)], 1280 * 50e-15);
  EXPECT_DOUBLE_EQ(j[C(Component::kAdc)], 640 * 150e-15);
  EXPECT_DOUBLE_EQ(j[C(Component::kPeriphery)], 640 * 1.1e-12);
  EXPECT_DOUBLE_EQ(j[C(Component::kMemory)], 1920 * 20e-12 / 8);
  EXPECT_EQ(j[C(Component::kDigitalMacs)], 0.0);
  PhaseCounts p;
  p.set_pulses = 3;
  p.verify_reads = 2;
  EXPECT_DOUBLE_EQ(Price(p, t)[C(Component::kPulses)], 3 * t.set_J + 2 * 2e-12);
}

TEST(LedgerTest, BreakdownSumsEqualTotal) {
  const EnergyTable t = DefaultEnergyTable();
  const Ledger l = ComputeLedger(Mixed(), t);
  ASSERT_EQ(l.layers.size(), 2u);
  const double total = l.Total();
  ASSERT_GT(total, 0);
  double by_phase = 0, by_component = 0, by_layer = 0, by_both = 0;
  for (int p = 0; p < kNumPhases; ++p) by_phase += l.Of(static_cast<Phase>(p));
  for (int c = 0; c < kNumComponents; ++c) {
    by_component += l.Of(static_cast<Component>(c));
    for (int p = 0; p < kNumPhases; ++p) by_both += l.Of(static_cast<Phase>(p), static_cast<Component>(c));
  }
  for (size_t i = 0; i < l.layers.size(); ++i) by_layer += l.OfLayer(i);
  EXPECT_NEAR(by_phase, total, 1e-12 * total);
  EXPECT_NEAR(by_component, total, 1e-12 * total);
  EXPECT_NEAR(by_layer, total, 1e-12 * total);
  EXPECT_NEAR(by_both, total, 1e-12 * total);
  // Every component was exercised (the chip overhead only exists at chip level), and the used
  // entries include what the counts touched.
  for (int c = 0; c < kNumComponents; ++c) {
    if (static_cast<Component>(c) == Component::kChipOverhead) {
      EXPECT_EQ(l.Of(Component::kChipOverhead), 0.0);
      continue;
    }
    EXPECT_GT(l.Of(static_cast<Component>(c)), 0) << c;
  }
  for (const char* k : {"format.fp8_152.multiply", "format.fp16_169.add", "pulse.program", "pulse.reset",
                        "memory.dram", "adc.presets.sar_imc", "read.voltage", "periphery.activation"}) {
    EXPECT_EQ(l.used_entries.count(k), 1u) << k;
  }
  EXPECT_EQ(l.used_entries.count("format.e4m3.multiply"), 0u);

  const EnergyReport r = MakeReport(Mixed(), t);
  EXPECT_EQ(r.inference_samples, 10);
  EXPECT_EQ(r.train_steps, 4);
  EXPECT_NEAR(r.energy_per_inference_J * r.inference_samples, l.Of(Phase::kInference), 1e-12 * total);
  EXPECT_NEAR(r.energy_per_train_step_J * 4 + l.Of(Phase::kInference) + r.programming_J, total, 1e-12 * total);
  EXPECT_NEAR(Sum(r.per_inference), r.energy_per_inference_J, 1e-15);
}

TEST(LedgerTest, AddingCountsAddsEnergy) {
  const EnergyTable t = DefaultEnergyTable();
  EventCounts twice = Mixed();
  twice += Mixed();
  EXPECT_NEAR(ComputeLedger(twice, t).Total(), 2 * ComputeLedger(Mixed(), t).Total(),
              1e-12 * ComputeLedger(twice, t).Total());
}

// Energy of an fp32 layer's evaluation forward of `batch` samples in one call.
ComponentJoules Fp32Inference(Index batch) {
  nn::Fp32Backend b(96, 40);
  Matrix x = Matrix::Ones(96, batch), y;
  b.Forward(x, y, nn::Pass::kEval);
  EventCounts c;
  b.AddEvents(c);
  return ComputeLedger(c, DefaultEnergyTable()).joules.at(0)[static_cast<size_t>(Phase::kInference)];
}

TEST(LedgerTest, EnergyIsLinearInBatchSize) {
  const EnergyTable t = DefaultEnergyTable();
  const ComponentJoules e1 = Fp32Inference(16), e2 = Fp32Inference(32), e4 = Fp32Inference(64);
  // MACs are proportional to the batch ...
  EXPECT_DOUBLE_EQ(e2[C(Component::kDigitalMacs)], 2 * e1[C(Component::kDigitalMacs)]);
  EXPECT_DOUBLE_EQ(e4[C(Component::kDigitalMacs)], 4 * e1[C(Component::kDigitalMacs)]);
  EXPECT_DOUBLE_EQ(e1[C(Component::kDigitalMacs)], 96.0 * 40 * 16 * t.MacEnergy("fp32/fp32"));
  // ... and the whole is affine: a per-call weight fetch from DRAM plus a per-sample part.
  const double per_sample = (Sum(e4) - Sum(e2)) / 32;
  EXPECT_NEAR((Sum(e2) - Sum(e1)) / 16, per_sample, 1e-12 * per_sample);
  EXPECT_NEAR(Sum(e1) - 16 * per_sample, 96.0 * 40 * 4 * t.MemoryEnergyPerByte("dram"), 1e-9 * Sum(e1));
}

TEST(LedgerTest, ZeroInputPaysConvertersButNoReadEnergy) {
  const EnergyTable t = DefaultEnergyTable();
  const ComponentJoules zero = Price(TileLike(256, 256, 100, 0.0), t);
  const ComponentJoules full = Price(TileLike(256, 256, 100, 1.0), t);
  EXPECT_EQ(zero[C(Component::kDac)], full[C(Component::kDac)]);
  EXPECT_EQ(zero[C(Component::kAdc)], full[C(Component::kAdc)]);
  EXPECT_GT(zero[C(Component::kAdc)], 0);
  EXPECT_EQ(zero[C(Component::kArrayReads)], 0.0);
  EXPECT_GT(full[C(Component::kArrayReads)], 0.0);
  // A nearly-zero input (1e-6 of the pulse) costs read energy in proportion.
  const ComponentJoules tiny = Price(TileLike(256, 256, 100, 1e-6), t);
  EXPECT_NEAR(tiny[C(Component::kArrayReads)], 1e-6 * full[C(Component::kArrayReads)],
              1e-12 * full[C(Component::kArrayReads)]);
}

TEST(LedgerTest, DoublingAdcBitsScalesAdcEnergyAsModelled) {
  const EnergyTable walden = DefaultEnergyTable();
  PhaseCounts b4, b8;
  b4.adc[4] = 1000;
  b8.adc[8] = 1000;
  const double e4 = Price(b4, walden)[C(Component::kAdc)], e8 = Price(b8, walden)[C(Component::kAdc)];
  EXPECT_DOUBLE_EQ(e8 / e4, 16.0);  // 2^(8-4)
  io::ConfigReader d = io::ConfigReader::FromString(DefaultDigitalTableText(), "d");
  io::ConfigReader a = io::ConfigReader::FromString(DefaultAnalogTableText(), "a");
  a.ApplyOverride("adc.bits_scaling=linear");
  const EnergyTable linear = LoadEnergyTable(d, a);
  EXPECT_DOUBLE_EQ(Price(b8, linear)[C(Component::kAdc)] / Price(b4, linear)[C(Component::kAdc)], 2.0);
  // An ideal converter (0 bits) costs nothing.
  PhaseCounts ideal;
  ideal.adc[0] = 1000;
  EXPECT_EQ(Price(ideal, walden)[C(Component::kAdc)], 0.0);
}

TEST(LedgerTest, WriteEnergyRoundTripsThroughSummaryJson) {
  const auto dir = testing::TempDir();
  const EnergyReport r = MakeReport(Mixed(), DefaultEnergyTable());
  {
    io::H5Writer out(dir / "e.h5");
    WriteEnergy(out, r, Mixed());
    out.Commit();
  }
  io::H5Reader in(dir / "e.h5");
  const nlohmann::json j = io::GroupToJson(in, "/summary");
  EXPECT_DOUBLE_EQ(j.at("energy_per_inference_J").get<double>(), r.energy_per_inference_J);
  EXPECT_DOUBLE_EQ(j.at("energy_per_train_step_J").get<double>(), r.energy_per_train_step_J);
  EXPECT_DOUBLE_EQ(j.at("energy_split").at("inference").at("adc").get<double>(),
                   r.per_inference[C(Component::kAdc)]);
  const MatrixD pc = in.ReadMatrix("/energy/by_phase_component");
  EXPECT_NEAR(pc.sum(), in.AttrDouble("/energy", "total_J"), 1e-12 * pc.sum());
  EXPECT_EQ(in.ReadStrings("/energy/assumptions"), r.assumptions);
  EXPECT_EQ(in.AttrString("/energy", "level"), "device");
  EXPECT_EQ(j.at("energy_level").get<std::string>(), "device");
  EXPECT_EQ(in.AttrString("/energy", "digital_table"), DefaultEnergyTable().digital_source);
  // The stored counts price to the same ledger, at either level, as the counts themselves.
  const EventCounts back = ReadEventCounts(in);
  for (const EnergyTable& t : {DefaultEnergyTable(), ChipEnergyTable()}) {
    const Ledger a = ComputeLedger(Mixed(), t), b = ComputeLedger(back, t);
    ASSERT_EQ(a.layers, b.layers);
    for (size_t i = 0; i < a.layers.size(); ++i) {
      for (int p = 0; p < kNumPhases; ++p) {
        for (int c = 0; c < kNumComponents; ++c) {
          EXPECT_EQ(a.joules[i][static_cast<size_t>(p)][static_cast<size_t>(c)],
                    b.joules[i][static_cast<size_t>(p)][static_cast<size_t>(c)])
              << a.layers[i] << " " << p << " " << c;
        }
      }
    }
    EXPECT_EQ(a.used_entries, b.used_entries);
  }
}

TEST(LedgerTest, ResultWithoutCountsSaysSo) {
  const auto dir = testing::TempDir();
  {
    io::H5Writer out(dir / "old.h5");
    out.CreateGroup("/energy");
    out.Commit();
  }
  io::H5Reader in(dir / "old.h5");
  EXPECT_FALSE(HasEventCounts(in));
  PCMSIM_EXPECT_THROW_MSG(ReadEventCounts(in), IoError, "old.h5", "no /energy/counts");
}

}  // namespace
}  // namespace pcmsim::energy
