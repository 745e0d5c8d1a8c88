// Tile events -> layer/phase counts: conversions, reads, pulses and partial sums land in the
// phases the mapping states, and nothing is lost or double counted.
#include "pcmsim/crossbar/tile_energy_events.hpp"

#include "pcmsim/energy/ledger.hpp"
#include "pcmsim/experiment/energy_table_load.hpp"
#include "test_util.hpp"

namespace pcmsim::crossbar {
namespace {

using energy::EventCounts;
using energy::Phase;
using energy::PhaseCounts;

TileEvents Example() {
  TileEvents e;
  e.forward_mvms = 300;  // 2 tiles x 150 sample vectors
  e.backward_mvms = 100;
  e.dac_forward = {300 * 64, 8};
  e.adc_forward = {300 * 32, 8};
  e.dac_backward = {100 * 32, 6};
  e.adc_backward = {100 * 64, 10};
  e.cell_reads = 400 * 2 * 64 * 32;
  e.read_g_dt = 1e-9;
  e.array_reads = 4096;
  e.set_pulses = 777;
  e.reset_pulses = 5;
  e.program_pulses = 9000;
  e.verify_reads = 30000;
  return e;
}

TEST(TileEnergyEventsTest, EventsLandInTheirPhases) {
  TileEventsContext m;
  m.forward_phase = Phase::kForward;
  m.forward_samples = 150;
  m.backward_samples = 50;
  m.forward_calls = 3;
  m.backward_calls = 1;
  m.update_calls = 1;
  m.out = 32;
  m.in = 128;
  m.col_blocks = 2;
  EventCounts c;
  c.layer = "layer_0";
  AddTileEvents(Example(), m, c);
  const PhaseCounts& f = c.At("layer_0", Phase::kForward);
  const PhaseCounts& b = c.At("layer_0", Phase::kBackward);
  EXPECT_EQ(f.dac.at(8), 300.0 * 64);
  EXPECT_EQ(b.adc.at(10), 100.0 * 64);
  EXPECT_DOUBLE_EQ(f.read_g_dt + b.read_g_dt, 1e-9);
  EXPECT_DOUBLE_EQ(f.read_g_dt, 0.75e-9);  // 300 of 400 MVMs ran forward
  EXPECT_DOUBLE_EQ(f.cell_reads + b.cell_reads, 400.0 * 2 * 64 * 32);
  EXPECT_EQ(f.analog_macs, 32.0 * 128 * 150);
  EXPECT_EQ(f.partial_sum_adds, 1.0 * 32 * 150);  // two column blocks: one add per output
  EXPECT_EQ(b.partial_sum_adds, 0.0);             // one row block
  EXPECT_EQ(c.At("layer_0", Phase::kUpdate).set_pulses, 777.0);
  const PhaseCounts& p = c.At("layer_0", Phase::kProgramming);
  EXPECT_EQ(p.program_pulses, 9000.0);
  EXPECT_EQ(p.reset_pulses, 5.0);
  EXPECT_EQ(p.verify_reads, 30000.0 + 4096);
  EXPECT_TRUE(c.At("layer_0", Phase::kInference).Empty());

  // Priced, the mapped counts report a per-step and per-phase energy that adds up.
  const energy::EnergyReport r = energy::MakeReport(c, experiment::DefaultEnergyTable());
  EXPECT_EQ(r.train_steps, 1);
  EXPECT_NEAR(r.energy_per_train_step_J + r.programming_J, r.ledger.Total(), 1e-12 * r.ledger.Total());
}

TEST(TileEnergyEventsTest, InferenceArraysMapToInference) {
  TileEvents e;
  e.forward_mvms = 10;
  e.dac_forward = {10 * 16, 8};
  e.adc_forward = {10 * 8, 8};
  TileEventsContext m;
  m.forward_samples = 10;
  m.out = 8;
  m.in = 16;
  EventCounts c;
  AddTileEvents(e, m, c);
  EXPECT_EQ(c[Phase::kInference].adc.at(8), 80.0);
  EXPECT_EQ(c[Phase::kInference].samples, 10.0);
  EXPECT_TRUE(c[Phase::kBackward].Empty());
}

}  // namespace
}  // namespace pcmsim::crossbar
