// Crossbar tile events -> layer/phase energy event counts (see the header for the mapping).
#include "pcmsim/crossbar/tile_energy_events.hpp"

namespace pcmsim::crossbar {

using energy::Phase;
using energy::PhaseCounts;

void AddTileEvents(const TileEvents& e, const TileEventsContext& m, energy::EventCounts& counts) {
  const double f = static_cast<double>(e.forward_mvms), b = static_cast<double>(e.backward_mvms);
  const double f_share = f + b > 0 ? f / (f + b) : 0.0;
  const double out = static_cast<double>(m.out), in = static_cast<double>(m.in);

  PhaseCounts& fw = counts[m.forward_phase];
  fw.calls += m.forward_calls;
  fw.samples += m.forward_samples;
  fw.dac[e.dac_forward.bits] += static_cast<double>(e.dac_forward.conversions);
  fw.adc[e.adc_forward.bits] += static_cast<double>(e.adc_forward.conversions);
  fw.cell_reads += f_share * static_cast<double>(e.cell_reads);
  fw.read_g_dt += f_share * e.read_g_dt;
  fw.analog_macs += out * in * m.forward_samples;
  fw.partial_sum_adds += static_cast<double>(m.col_blocks - 1) * out * m.forward_samples;
  if (m.digital_scaling) fw.scalings += out * m.forward_samples;

  if (b > 0 || m.backward_calls > 0) {
    PhaseCounts& bw = counts[Phase::kBackward];
    bw.calls += m.backward_calls;
    bw.samples += m.backward_samples;
    bw.dac[e.dac_backward.bits] += static_cast<double>(e.dac_backward.conversions);
    bw.adc[e.adc_backward.bits] += static_cast<double>(e.adc_backward.conversions);
    bw.cell_reads += (1 - f_share) * static_cast<double>(e.cell_reads);
    bw.read_g_dt += (1 - f_share) * e.read_g_dt;
    bw.analog_macs += out * in * m.backward_samples;
    bw.partial_sum_adds += static_cast<double>(m.row_blocks - 1) * in * m.backward_samples;
    if (m.digital_scaling) bw.scalings += in * m.backward_samples;
  }

  PhaseCounts& up = counts[Phase::kUpdate];
  up.calls += m.update_calls;
  up.set_pulses += static_cast<double>(e.set_pulses);

  PhaseCounts& pr = counts[Phase::kProgramming];
  pr.program_pulses += static_cast<double>(e.program_pulses);
  pr.reset_pulses += static_cast<double>(e.reset_pulses);
  pr.verify_reads += static_cast<double>(e.verify_reads + e.array_reads);
}

}  // namespace pcmsim::crossbar
