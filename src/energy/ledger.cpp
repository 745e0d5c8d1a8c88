// Pricing of event counts with a table, the per-layer/phase/component ledger and the report.
#include "pcmsim/energy/ledger.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "pcmsim/core/error.hpp"

namespace pcmsim::energy {
namespace {
constexpr size_t Idx(Component c) { return static_cast<size_t>(c); }
constexpr size_t Idx(Phase p) { return static_cast<size_t>(p); }
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

std::string_view ToString(Component c) {
  switch (c) {
    case Component::kArrayReads: return "array_reads";
    case Component::kDac: return "dac";
    case Component::kAdc: return "adc";
    case Component::kPulses: return "pulses_verify";
    case Component::kDigitalMacs: return "digital_macs";
    case Component::kPeriphery: return "digital_periphery";
    case Component::kMemory: return "memory_traffic";
    case Component::kChipOverhead: return "chip_overhead";
  }
  return "?";
}

double Sum(const ComponentJoules& j) { return std::accumulate(j.begin(), j.end(), 0.0); }

ComponentJoules Price(const PhaseCounts& c, const EnergyTable& t, std::set<std::string>* used) {
  ComponentJoules j{};
  auto use = [used](const std::string& key) {
    if (used != nullptr) used->insert(key);
  };
  if (c.read_g_dt > 0) {
    j[Idx(Component::kArrayReads)] = t.read_voltage_V * t.read_voltage_V * c.read_g_dt;
    use("read.voltage");
  }
  for (auto [map, model, comp] : {std::tuple{&c.dac, &t.dac, Component::kDac}, {&c.adc, &t.adc, Component::kAdc}}) {
    for (const auto& [bits, n] : *map) {
      if (n == 0) continue;
      j[Idx(comp)] += n * model->EnergyAt(bits);
      use(model->key);
    }
  }
  for (auto [n, e, key] : {std::tuple{c.set_pulses, t.set_J, "pulse.set"}, {c.reset_pulses, t.reset_J, "pulse.reset"},
                           {c.program_pulses, t.program_J, "pulse.program"},
                           {c.verify_reads, t.verify_read_J, "pulse.verify_read"}}) {
    if (n == 0) continue;
    j[Idx(Component::kPulses)] += n * e;
    use(key);
  }
  for (const auto& [key, n] : c.macs) {
    if (n == 0) continue;
    j[Idx(Component::kDigitalMacs)] += n * t.MacEnergy(key);
    for (const auto& e : t.MacEntries(key)) use(e);
    use("table.node_scale");
    if (t.chip.digital) {
      const MacClass cls = t.ClassOf(key.substr(0, key.find('/')));
      j[Idx(Component::kChipOverhead)] += n * t.chip.MacJ(cls);
      use(cls == MacClass::kInteger ? "chip.overhead.integer_mac" : "chip.overhead.float_mac");
    }
  }
  if (t.chip.analog) {
    double events = c.analog_macs;
    if (t.chip.attach == OverheadAttach::kConversion) {
      events = 0;
      for (const auto& [bits, n] : c.adc) events += n;
    }
    if (events > 0) {
      j[Idx(Component::kChipOverhead)] += events * t.chip.analog_J;
      use("chip.overhead.analog");
    }
  }
  for (auto [n, e, key] : {std::tuple{c.activations, t.activation_J, "periphery.activation"},
                           {c.scalings, t.scaling_J, "periphery.scaling"},
                           {c.partial_sum_adds, t.partial_sum_add_J, "periphery.partial_sum"}}) {
    if (n == 0) continue;
    j[Idx(Component::kPeriphery)] += n * e;
    use(key);
    use("table.node_scale");
  }
  for (const auto& [level, n] : c.bytes) {
    if (n == 0) continue;
    j[Idx(Component::kMemory)] += n * t.MemoryEnergyPerByte(level);
    use("memory." + level);
  }
  return j;
}

double Ledger::Total() const {
  double s = 0;
  for (const auto& l : joules)
    for (const auto& p : l) s += Sum(p);
  return s;
}

double Ledger::Of(Phase p) const {
  double s = 0;
  for (const auto& l : joules) s += Sum(l[Idx(p)]);
  return s;
}

double Ledger::Of(Component c) const {
  double s = 0;
  for (const auto& l : joules)
    for (const auto& p : l) s += p[Idx(c)];
  return s;
}

double Ledger::Of(Phase p, Component c) const {
  double s = 0;
  for (const auto& l : joules) s += l[Idx(p)][Idx(c)];
  return s;
}

double Ledger::OfLayer(size_t layer) const {
  double s = 0;
  for (const auto& p : joules.at(layer)) s += Sum(p);
  return s;
}

Ledger ComputeLedger(const EventCounts& counts, const EnergyTable& table) {
  Ledger l;
  for (const auto& [name, phases] : counts.layers) {
    l.layers.push_back(name);
    auto& row = l.joules.emplace_back();
    for (int p = 0; p < kNumPhases; ++p) row[static_cast<size_t>(p)] = Price(phases[static_cast<size_t>(p)], table, &l.used_entries);
  }
  return l;
}

double TopsPerWatt(double ops, double joules) { return joules > 0 ? ops / joules / 1e12 : kNaN; }

namespace {
std::string Dominant(const ComponentJoules& j) {
  const auto it = std::max_element(j.begin(), j.end());
  if (it == j.end() || !(*it > 0)) return "";
  return std::string(ToString(static_cast<Component>(it - j.begin())));
}
}  // namespace

std::string EnergyReport::DominantInference() const { return Dominant(per_inference); }
std::string EnergyReport::DominantTrainStep() const { return Dominant(per_train_step); }

std::vector<std::string> ModelStatements(const EnergyTable& t) {
  std::vector<std::string> out = {StrCat("energy level: ", t.Level(), " (tables ", t.digital_source, " + ",
                                         t.analog_source, ")")};
  if (!t.chip.digital && !t.chip.analog) {
    out.push_back("energy = event counts x per-event table; nothing else (no control, clocking, leakage or "
                  "interconnect beyond the memory levels listed)");
  } else {
    out.push_back("energy = event counts x per-event table + calibrated chip overheads (control, clocking, leakage, "
                  "on-chip communication and the digital units around the arrays, lumped per event) for the side(s) "
                  "with a [chip] section: digital MACs pay the overhead of their class (float / integer)" +
                  std::string(t.chip.analog ? (t.chip.attach == OverheadAttach::kConversion
                                                   ? "; analog: one overhead per ADC conversion"
                                                   : "; analog: one overhead per in-array MAC")
                                            : "") +
                  "; programming pulses, memory traffic and periphery ops pay no overhead");
    for (const auto& d : t.chip.derivation) out.push_back(d);
  }
  const std::vector<std::string> rest = {
      "digital MAC = one multiply in the operand format + one add in the accumulator format",
      "TOPS/W counts 2 ops per MAC (digital and in-array MACs alike)",
      "digital layer GEMM traffic: the weights are read from DRAM once per batch call; every input element is "
      "read from and every output element written to SRAM once",
      "digital update: gradient GEMM + the backend's element-wise optimiser MACs per weight; weights and "
      "optimiser state read and written in DRAM once per step (fp32 SGD with momentum: 3 fp32 MACs per weight, "
      "2 tensors)",
      "memory energy = bytes / 8 x energy of one 64-bit access of the level",
      "not counted: bias adds, activation functions and the loss outside the layer backends",
      "per inference = inference-phase energy / evaluation samples; per training step = forward + backward + "
      "update energy / update calls; programming is reported separately",
  };
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

EnergyReport MakeReport(const EventCounts& counts, const EnergyTable& table) {
  EnergyReport r;
  r.ledger = ComputeLedger(counts, table);
  for (const auto& [name, phases] : counts.layers) {
    r.inference_samples = std::max(r.inference_samples, phases[Idx(Phase::kInference)].samples);
    r.train_steps = std::max(r.train_steps, phases[Idx(Phase::kUpdate)].calls);
  }
  const Ledger& l = r.ledger;
  for (int c = 0; c < kNumComponents; ++c) {
    const auto comp = static_cast<Component>(c);
    r.per_inference[static_cast<size_t>(c)] =
        r.inference_samples > 0 ? l.Of(Phase::kInference, comp) / r.inference_samples : kNaN;
    r.per_train_step[static_cast<size_t>(c)] =
        r.train_steps > 0
            ? (l.Of(Phase::kForward, comp) + l.Of(Phase::kBackward, comp) + l.Of(Phase::kUpdate, comp)) / r.train_steps
            : kNaN;
  }
  r.energy_per_inference_J = Sum(r.per_inference);
  r.energy_per_train_step_J = Sum(r.per_train_step);
  r.programming_J = l.Of(Phase::kProgramming);
  auto ops = [&](Phase p) {
    const PhaseCounts t = counts.Total(p);
    return 2.0 * (t.DigitalMacs() + t.analog_macs);
  };
  r.tops_per_w_inference = TopsPerWatt(ops(Phase::kInference), l.Of(Phase::kInference));
  r.tops_per_w_train = TopsPerWatt(ops(Phase::kForward) + ops(Phase::kBackward) + ops(Phase::kUpdate),
                                   l.Of(Phase::kForward) + l.Of(Phase::kBackward) + l.Of(Phase::kUpdate));
  r.level = table.Level();
  r.digital_table = table.digital_source;
  r.analog_table = table.analog_source;
  r.assumptions = ModelStatements(table);
  const auto entries = table.Assumptions({l.used_entries.begin(), l.used_entries.end()});
  r.assumptions.insert(r.assumptions.end(), entries.begin(), entries.end());
  return r;
}

}  // namespace pcmsim::energy
