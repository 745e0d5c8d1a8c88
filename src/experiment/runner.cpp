// The run pipeline behind `pcmsim run`: checkpoint/resume and the final result file.
#include "pcmsim/experiment/runner.hpp"

#include <numeric>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/energy/energy_file.hpp"
#include "pcmsim/experiment/inference_eval.hpp"
#include "pcmsim/experiment/onnx_model.hpp"
#include "pcmsim/experiment/result_file.hpp"

namespace pcmsim::experiment {

io::Dataset LoadTrainSet(const Experiment& e) {
  return io::LoadIdxDataset(e.data.train_images, e.data.train_labels, e.data.train_limit);
}

io::Dataset LoadTestSet(const Experiment& e) {
  return io::LoadIdxDataset(e.data.test_images, e.data.test_labels, e.data.test_limit);
}

nn::Network BuildNetwork(const Experiment& e) {
  nn::Network mlp(e.model.InputShape(), e.model.Network(), [&](Index in, Index out, Index k, Index n) {
    return e.backends.Make(e.LayerBackend(k), in, out, k, n);
  });
  mlp.Initialize(e.seed);
  if (!e.model.init_from.empty()) {
    io::H5Reader in(e.model.init_from);
    ReadModel(in, mlp, false);
  }
  if (e.model.imported) LoadOnnxWeights(*e.model.imported, mlp);
  return mlp;
}

std::string DatasetLabel(const std::filesystem::path& images) {
  const std::filesystem::path p = images.lexically_normal();
  const std::string folder = p.parent_path().filename().string();
  return folder.empty() ? p.filename().string() : folder + "/" + p.filename().string();
}

namespace {

std::string BackendLabel(const Experiment& e) {
  if (e.model.layer_backends.empty()) return e.model.backend;
  return std::accumulate(std::next(e.model.layer_backends.begin()), e.model.layer_backends.end(),
                         e.model.layer_backends.front(),
                         [](std::string a, const std::string& b) { return a + "," + b; });
}

std::filesystem::path CheckpointPath(const RunOptions& o) { return o.output.string() + ".ckpt"; }

void WriteCheckpoint(const Experiment& e, const RunOptions& o, const nn::Network& mlp,
                     const std::vector<nn::EpochMetrics>& history, const std::string& start) {
  io::H5Writer out(CheckpointPath(o));
  WriteProvenance(out, "checkpoint", e.seed, start);
  out.WriteString("/config", e.config_text);
  WriteMetrics(out, history);
  WriteModel(out, mlp, true);
  out.Commit();
}

// Every layer backend's event counts, keyed "layer_<i>" like /model.
energy::EventCounts CollectEvents(const nn::Network& mlp) {
  energy::EventCounts counts;
  for (Index k = 0; k < mlp.NumWeighted(); ++k) {
    counts.layer = StrCat("layer_", mlp.WeightedIndices()[static_cast<size_t>(k)]);
    mlp.weighted(k).backend().AddEvents(counts);
  }
  return counts;
}

void WriteResult(const Experiment& e, const RunOptions& o, const nn::Network& mlp, const RunSummary& s,
                 const std::string& start, const io::Dataset& train, const AccuracyVsTime* over_time,
                 const std::vector<PtqResult>& ptq) {
  io::H5Writer out(o.output);
  WriteProvenance(out, "run", e.seed, start);
  out.WriteAttr("/", "end_time", UtcNow());
  out.WriteAttr("/", "experiment", e.name);
  out.WriteString("/config", e.config_text);
  out.WriteAttr("/config", "source", e.source);
  WriteMetrics(out, s.history);
  WriteModel(out, mlp, false);
  out.CreateGroup("/summary");
  out.WriteAttr("/summary", "test_accuracy", s.test_accuracy);
  out.WriteAttr("/summary", "epochs", static_cast<std::int64_t>(s.epochs));
  out.WriteAttr("/summary", "train_seconds", s.train_seconds);
  out.WriteAttr("/summary", "seed", static_cast<std::int64_t>(e.seed));
  out.WriteAttr("/summary", "backend", s.backend);
  out.WriteAttr("/summary", "dataset", s.dataset);
  out.WriteAttr("/summary", "train_samples", static_cast<std::int64_t>(train.Samples()));
  out.WriteAttr("/summary", "experiment", e.name);
  if (over_time != nullptr) {
    WriteAccuracyVsTime(out, *over_time);
    WritePulseCounts(out, mlp);
  }
  WritePtq(out, ptq, e.ptq);
  const energy::EventCounts counts = CollectEvents(mlp);
  energy::WriteEnergy(out, energy::MakeReport(counts, energy::DefaultEnergyTable()), counts);
  out.Commit();
}

}  // namespace

RunSummary RunExperiment(const Experiment& e, const RunOptions& o) {
  SetNumThreads(e.threads);
  const std::string start = UtcNow();
  const io::Dataset train = LoadTrainSet(e);
  io::Dataset test;
  const bool has_test = !e.data.test_images.empty();
  if (has_test) test = LoadTestSet(e);
  nn::Network mlp = BuildNetwork(e);

  RunSummary s;
  s.backend = BackendLabel(e);
  s.dataset = DatasetLabel(has_test ? e.data.test_images : e.data.train_images);
  int start_epoch = 0;
  if (o.resume && std::filesystem::exists(CheckpointPath(o))) {
    io::H5Reader ck(CheckpointPath(o));
    if (ck.ReadString("/config") != e.config_text) {
      throw ConfigError(StrCat(CheckpointPath(o).string(),
                               ": checkpoint was made with a different config; remove it or rerun without --resume"));
    }
    ReadModel(ck, mlp, true);
    s.history = ReadMetrics(ck);
    start_epoch = s.history.empty() ? 0 : s.history.back().epoch;
    if (o.log) o.log(StrCat("resuming from ", CheckpointPath(o).string(), " after epoch ", start_epoch));
  }
  const bool checkpoint = o.checkpoint;
  nn::TrainCallbacks cb = o.progress;
  cb.on_epoch = [&](const nn::EpochMetrics& m) {
    s.history.push_back(m);
    if (checkpoint && m.epoch < e.train.epochs) WriteCheckpoint(e, o, mlp, s.history, start);
    if (o.progress.on_epoch) o.progress.on_epoch(m);
  };
  nn::Train(mlp, train, has_test ? &test : nullptr, e.train, cb, start_epoch);
  s.epochs = e.train.epochs;
  for (const auto& m : s.history) s.train_seconds += m.seconds;
  s.test_accuracy = has_test ? (s.history.empty() || s.history.back().test_accuracy < 0 ? nn::Evaluate(mlp, test)
                                                                                         : s.history.back().test_accuracy)
                             : 0.0;
  std::vector<PtqResult> ptq;
  if (has_test && !e.ptq.bits.empty()) {
    ptq = EvaluatePtq(mlp, train, test, e.ptq);
    if (o.log) {
      for (const PtqResult& r : ptq) o.log(StrCat("post-training quantisation ", r.name, ": ", 100 * r.accuracy, "%"));
    }
  }
  AccuracyVsTime over_time;
  const bool analog = has_test && HasAnalogLayers(mlp);
  if (analog) {
    if (o.log) o.log("evaluating analog layers at times after programming");
    over_time = EvaluateOverTime(mlp, test, e.inference, o.log);
  }
  WriteResult(e, o, mlp, s, start, train, analog ? &over_time : nullptr, ptq);
  std::error_code ec;
  std::filesystem::remove(CheckpointPath(o), ec);
  return s;
}

}  // namespace pcmsim::experiment
