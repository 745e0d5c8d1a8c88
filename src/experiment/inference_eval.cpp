// Accuracy-vs-time evaluation of analog layers and its result-file groups.
#include "pcmsim/experiment/inference_eval.hpp"

#include <cmath>

#include "pcmsim/core/error.hpp"
#include "pcmsim/nn/analog_backend.hpp"
#include "pcmsim/nn/trainer.hpp"

namespace pcmsim::experiment {
namespace {

std::vector<nn::AnalogBackend*> AnalogLayers(const nn::Network& mlp) {
  std::vector<nn::AnalogBackend*> out;
  for (nn::WeightedLayer* l : mlp.Weighted()) {
    if (auto* a = dynamic_cast<nn::AnalogBackend*>(&l->backend())) out.push_back(a);
  }
  return out;
}

std::vector<double> Column(const MatrixD& m, Index j, bool want_std) {
  const VectorD c = m.col(j);
  const double mean = c.mean();
  if (!want_std) return {mean};
  const double var = c.size() > 1 ? (c.array() - mean).square().sum() / static_cast<double>(c.size() - 1) : 0.0;
  return {std::sqrt(var)};
}

}  // namespace

bool HasAnalogLayers(const nn::Network& mlp) { return !AnalogLayers(mlp).empty(); }

AccuracyVsTime EvaluateOverTime(nn::Network& mlp, const io::Dataset& test, const InferenceOptions& o,
                                const std::function<void(const std::string&)>& log) {
  const auto layers = AnalogLayers(mlp);
  AccuracyVsTime a;
  a.times_s = o.times_s;
  const Index nt = static_cast<Index>(o.times_s.size());
  a.compensated.resize(o.repeats, nt);
  a.uncompensated.resize(o.repeats, nt);
  for (int r = 0; r < o.repeats; ++r) {
    for (auto* l : layers) l->ProgramForInference(static_cast<std::uint64_t>(r));
    std::string line = StrCat("inference draw ", r + 1, "/", o.repeats, ":");
    for (Index j = 0; j < nt; ++j) {
      for (auto* l : layers) l->ReadAfter(o.times_s[static_cast<size_t>(j)]);
      for (auto* l : layers) l->SetCompensationApplied(true);
      a.compensated(r, j) = nn::Evaluate(mlp, test);
      for (auto* l : layers) l->SetCompensationApplied(false);
      a.uncompensated(r, j) = nn::Evaluate(mlp, test);
      for (auto* l : layers) l->SetCompensationApplied(true);
      line += StrCat(" t=", o.times_s[static_cast<size_t>(j)], "s ", std::round(a.compensated(r, j) * 1e4) / 100, "%");
    }
    if (log) log(line);
  }
  return a;
}

void WriteAccuracyVsTime(io::H5Writer& out, const AccuracyVsTime& a) {
  std::vector<double> mean, std, mean_u, std_u;
  for (Index j = 0; j < static_cast<Index>(a.times_s.size()); ++j) {
    mean.push_back(Column(a.compensated, j, false)[0]);
    std.push_back(Column(a.compensated, j, true)[0]);
    mean_u.push_back(Column(a.uncompensated, j, false)[0]);
    std_u.push_back(Column(a.uncompensated, j, true)[0]);
  }
  const std::string g = "/summary/accuracy_vs_time";
  out.CreateGroup(g);
  out.WriteVector(g + "/time_s", a.times_s);
  out.WriteVector(g + "/mean", mean);
  out.WriteVector(g + "/std", std);
  out.WriteVector(g + "/mean_uncompensated", mean_u);
  out.WriteVector(g + "/std_uncompensated", std_u);
  out.WriteAttr(g, "repeats", static_cast<std::int64_t>(a.compensated.rows()));
  out.WriteAttr(g, "note", "test accuracy (fraction) at times after programming; std over repeats (n-1)");
  out.CreateGroup("/evaluation");
  out.WriteVector("/evaluation/time_s", a.times_s);
  out.WriteMatrix("/evaluation/accuracy_compensated", a.compensated);
  out.WriteMatrix("/evaluation/accuracy_uncompensated", a.uncompensated);
}

void WritePulseCounts(io::H5Writer& out, const nn::Network& mlp) {
  crossbar::TileEvents e;
  for (auto* l : AnalogLayers(mlp)) e += l->Events();
  out.WriteAttr("/summary", "set_pulses", e.set_pulses);
  out.WriteAttr("/summary", "reset_pulses", e.reset_pulses);
  out.WriteAttr("/summary", "program_pulses", e.program_pulses);
  out.WriteAttr("/summary", "verify_reads", e.verify_reads);
}

}  // namespace pcmsim::experiment
