// Additive event counts and the stated traffic model of digital layer GEMMs.
#include "pcmsim/energy/event_counts.hpp"

namespace pcmsim::energy {

std::string_view ToString(Phase p) {
  switch (p) {
    case Phase::kInference: return "inference";
    case Phase::kForward: return "forward";
    case Phase::kBackward: return "backward";
    case Phase::kUpdate: return "update";
    case Phase::kProgramming: return "programming";
  }
  return "?";
}

namespace {
template <typename Map>
void AddMap(Map& a, const Map& b) {
  for (const auto& [k, v] : b) a[k] += v;
}
}  // namespace

PhaseCounts& PhaseCounts::operator+=(const PhaseCounts& o) {
  calls += o.calls;
  samples += o.samples;
  AddMap(macs, o.macs);
  analog_macs += o.analog_macs;
  AddMap(bytes, o.bytes);
  AddMap(dac, o.dac);
  AddMap(adc, o.adc);
  cell_reads += o.cell_reads;
  read_g_dt += o.read_g_dt;
  set_pulses += o.set_pulses;
  reset_pulses += o.reset_pulses;
  program_pulses += o.program_pulses;
  verify_reads += o.verify_reads;
  activations += o.activations;
  scalings += o.scalings;
  partial_sum_adds += o.partial_sum_adds;
  return *this;
}

double PhaseCounts::DigitalMacs() const {
  double s = 0;
  for (const auto& [k, v] : macs) s += v;
  return s;
}

bool PhaseCounts::Empty() const {
  double s = calls + samples + analog_macs + cell_reads + read_g_dt + set_pulses + reset_pulses + program_pulses +
             verify_reads + activations + scalings + partial_sum_adds + DigitalMacs();
  for (const auto& [k, v] : bytes) s += v;
  for (const auto* m : {&dac, &adc})
    for (const auto& [k, v] : *m) s += v;
  return s == 0;
}

PhaseCounts& EventCounts::At(std::string_view layer_name, Phase p) {
  auto it = layers.find(layer_name);
  if (it == layers.end()) it = layers.emplace(std::string(layer_name), LayerCounts{}).first;
  return it->second[static_cast<size_t>(p)];
}

EventCounts& EventCounts::operator+=(const EventCounts& o) {
  for (const auto& [name, phases] : o.layers) {
    for (int p = 0; p < kNumPhases; ++p) At(name, static_cast<Phase>(p)) += phases[static_cast<size_t>(p)];
  }
  return *this;
}

PhaseCounts EventCounts::Total(Phase p) const {
  PhaseCounts t;
  for (const auto& [name, phases] : layers) t += phases[static_cast<size_t>(p)];
  return t;
}

void AddGemmEvents(PhaseCounts& c, std::string_view mac_key, Index out, Index in, const GemmTally& t,
                   const DataBytes& b) {
  if (t.calls == 0) return;
  const double weights = static_cast<double>(out) * static_cast<double>(in);
  c.calls += t.calls;
  c.samples += t.samples;
  c.macs[std::string(mac_key)] += weights * t.samples;
  c.bytes["dram"] += weights * b.weight * t.calls;
  c.bytes["sram"] += static_cast<double>(in + out) * t.samples * b.activation;
}

void AddUpdateEvents(PhaseCounts& c, std::string_view mac_key, Index out, Index in, const GemmTally& t,
                     const DataBytes& b, int optimizer_macs, int dram_tensors) {
  if (t.calls == 0) return;
  const double weights = static_cast<double>(out) * static_cast<double>(in);
  c.calls += t.calls;
  c.samples += t.samples;
  c.macs[std::string(mac_key)] += weights * (t.samples + optimizer_macs * t.calls);
  c.bytes["sram"] += static_cast<double>(in + out) * t.samples * b.activation;
  c.bytes["dram"] += 2.0 * dram_tensors * weights * b.weight * t.calls;  // read + write each tensor
}

}  // namespace pcmsim::energy
