// The /energy group and the energy keys of /summary in result files.
#include "pcmsim/experiment/energy_file.hpp"

#include "pcmsim/core/error.hpp"
#include "pcmsim/experiment/counts_file.hpp"

namespace pcmsim::experiment {

using energy::Component;
using energy::ComponentJoules;
using energy::Sum;
using energy::EnergyReport;
using energy::EventCounts;
using energy::Ledger;
using energy::Phase;
using energy::kNumComponents;
using energy::kNumPhases;
namespace {

std::vector<std::string> PhaseNames() {
  std::vector<std::string> v;
  for (int p = 0; p < kNumPhases; ++p) v.emplace_back(ToString(static_cast<Phase>(p)));
  return v;
}

std::vector<std::string> ComponentNames() {
  std::vector<std::string> v;
  for (int c = 0; c < kNumComponents; ++c) v.emplace_back(ToString(static_cast<Component>(c)));
  return v;
}

void WriteSplit(io::H5Writer& out, const std::string& group, const ComponentJoules& j) {
  out.CreateGroup(group);
  for (int c = 0; c < kNumComponents; ++c) {
    out.WriteAttr(group, ToString(static_cast<Component>(c)), j[static_cast<size_t>(c)]);
  }
}

}  // namespace

void WriteEnergy(io::H5Writer& out, const EnergyReport& r, const EventCounts& counts) {
  const Ledger& l = r.ledger;
  out.CreateGroup("/energy");
  out.WriteAttr("/energy", "total_J", l.Total());
  out.WriteAttr("/energy", "note", "J; rows/columns named by the layers, phases and components datasets");
  out.WriteStrings("/energy/layers", l.layers);
  out.WriteStrings("/energy/phases", PhaseNames());
  out.WriteStrings("/energy/components", ComponentNames());
  MatrixD pc(kNumPhases, kNumComponents), lp(static_cast<Index>(l.layers.size()), kNumPhases);
  for (int p = 0; p < kNumPhases; ++p) {
    for (int c = 0; c < kNumComponents; ++c) pc(p, c) = l.Of(static_cast<Phase>(p), static_cast<Component>(c));
    for (size_t i = 0; i < l.layers.size(); ++i) lp(static_cast<Index>(i), p) = Sum(l.joules[i][static_cast<size_t>(p)]);
  }
  out.WriteMatrix("/energy/by_phase_component", pc);
  out.WriteMatrix("/energy/by_layer_phase", lp);
  out.WriteVector("/energy/per_inference", std::vector<double>(r.per_inference.begin(), r.per_inference.end()));
  out.WriteVector("/energy/per_train_step", std::vector<double>(r.per_train_step.begin(), r.per_train_step.end()));
  out.WriteStrings("/energy/assumptions", r.assumptions);
  out.WriteAttr("/energy", "inference_samples", r.inference_samples);
  out.WriteAttr("/energy", "train_steps", r.train_steps);
  out.WriteAttr("/energy", "level", r.level);
  out.WriteAttr("/energy", "digital_table", r.digital_table);
  out.WriteAttr("/energy", "analog_table", r.analog_table);
  WriteEventCounts(out, counts);

  out.CreateGroup("/summary");
  out.WriteAttr("/summary", "energy_level", r.level);
  out.WriteAttr("/summary", "energy_per_inference_J", r.energy_per_inference_J);
  out.WriteAttr("/summary", "energy_per_train_step_J", r.energy_per_train_step_J);
  out.WriteAttr("/summary", "programming_energy_J", r.programming_J);
  out.WriteAttr("/summary", "tops_per_w_inference", r.tops_per_w_inference);
  out.WriteAttr("/summary", "tops_per_w_train", r.tops_per_w_train);
  out.WriteAttr("/summary", "energy_dominant_component", r.DominantInference());
  out.WriteAttr("/summary", "energy_dominant_component_train", r.DominantTrainStep());
  out.CreateGroup("/summary/energy_split");
  WriteSplit(out, "/summary/energy_split/inference", r.per_inference);
  WriteSplit(out, "/summary/energy_split/train_step", r.per_train_step);
}

}  // namespace pcmsim::experiment
