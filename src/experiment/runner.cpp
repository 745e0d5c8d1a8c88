// The run pipeline behind `pcmsim run`: checkpoint/resume and the final result file.
#include "pcmsim/experiment/runner.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <set>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/experiment/energy_file.hpp"
#include "pcmsim/experiment/energy_table_load.hpp"
#include "pcmsim/experiment/inference_eval.hpp"
#include "pcmsim/experiment/onnx_model.hpp"
#include "pcmsim/experiment/result_file.hpp"
#include "pcmsim/nn/conv2d_layer.hpp"
#include "pcmsim/io/output_file.hpp"

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
    CheckPcmsimFile(in);
    in.Verify();
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

// Memory the system can give a new allocation now: MemAvailable of /proc/meminfo (free
// plus reclaimable cache), else the physical memory; 0 if unknown.
double AvailableMemory() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    double kib = 0;
    if (std::sscanf(line.c_str(), "MemAvailable: %lf kB", &kib) == 1) return kib * 1024.0;
  }
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0.0;
}

// A lower bound of the memory a run needs: every weight in float32 (all backends keep at
// least that; momentum, FP8 masters and PCM device state come on top) and the output of the
// widest layer for one training batch. Refuses the run when even this bound exceeds the
// memory available now, instead of failing inside an allocation (std::bad_alloc).
void CheckMemory(const Experiment& e) {
  const std::vector<nn::LayerSpec> net = e.model.Network();
  const std::vector<TensorShape> shapes = nn::InferShapes(e.model.InputShape(), net);
  const std::vector<Index> inputs = e.model.WeightedInputs();
  double weights = 0, widest = 0;
  size_t k = 0;
  for (size_t i = 0; i < net.size(); ++i) {
    widest = std::max(widest, static_cast<double>(shapes[i].Size()));
    if (!net[i].Weighted()) continue;
    const Index outs = net[i].kind == nn::LayerKind::kDense ? net[i].units : net[i].out_channels;
    weights += static_cast<double>(inputs[k++]) * static_cast<double>(outs);
  }
  Index batch = e.train.batch_size;
  if (e.data.train_limit > 0) batch = std::min(batch, e.data.train_limit);
  const double need = 4.0 * weights + 4.0 * static_cast<double>(batch) * widest;
  const double available = AvailableMemory();
  if (available > 0 && need > available) {
    constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
    char buf[160];
    std::snprintf(buf, sizeof(buf), "needs at least %.1f GiB of memory (%.3g weights), %.1f GiB are available",
                  need / kGiB, weights, available / kGiB);
    throw ConfigError(StrCat(e.source, e.model.specs.empty() ? ": model.layers" : ": model.layer",
                             ": the network ", buf));
  }
}

// A config value as a user wrote it: numbers in their shortest form (toml++ prints
// 0.1 as 0.10000000000000001).
std::string Shortest(const std::string& text) {
  double v = 0;
  const auto res = std::from_chars(text.data(), text.data() + text.size(), v);
  if (res.ec != std::errc() || res.ptr != text.data() + text.size()) return text;
  char buf[64];
  return std::string(buf, std::to_chars(buf, buf + sizeof(buf), v).ptr);
}

// The keys whose values differ between two resolved configs, except experiment.threads
// (results do not depend on the thread count), as "key: old -> new".
std::vector<std::string> ChangedKeys(const std::string& before, const std::string& now) {
  io::ConfigReader a = io::ConfigReader::FromString(before, "checkpoint config");
  io::ConfigReader b = io::ConfigReader::FromString(now, "config");
  std::set<std::string> keys;
  for (auto& k : a.Keys()) keys.insert(k);
  for (auto& k : b.Keys()) keys.insert(k);
  std::vector<std::string> changed;
  for (const std::string& k : keys) {
    if (k == "experiment.threads") continue;
    const std::string va = a.Has(k) ? Shortest(a.ValueText(k)) : "(unset)";
    const std::string vb = b.Has(k) ? Shortest(b.ValueText(k)) : "(unset)";
    if (va != vb) changed.push_back(StrCat(k, " was ", va, ", now ", vb));
  }
  return changed;
}

// Before any work: temporaries of a killed run removed, the output and checkpoint paths
// safe to write, no unfinished checkpoint silently replaced, memory enough.
void Prepare(const Experiment& e, const RunOptions& o) {
  io::RemoveStaleTemporary(o.output, o.log);
  io::RemoveStaleTemporary(CheckpointPath(o), o.log);
  io::CheckOutputFile(o.output, e.inputs);
  io::CheckOutputFile(CheckpointPath(o), e.inputs);
  if (!o.resume && !o.fresh && std::filesystem::exists(CheckpointPath(o))) {
    throw ConfigError(StrCat(CheckpointPath(o).string(), ": a checkpoint of an unfinished run of this output exists; "
                             "--resume continues it, --fresh starts over (it is replaced once the new run "
                             "checkpoints)"));
  }
  CheckMemory(e);
}

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
    const std::string name = StrCat("layer_", mlp.WeightedIndices()[static_cast<size_t>(k)]);
    counts.layer = name;
    mlp.weighted(k).backend().AddEvents(counts);
    // A conv layer's backend sees one column per sample and output pixel (its MACs, MVMs
    // and conversions are counted per column); samples count images, as for dense layers.
    if (const auto* conv = dynamic_cast<const nn::Conv2dLayer*>(&mlp.weighted(k))) {
      for (energy::PhaseCounts& p : counts.layers[name]) p.samples /= static_cast<double>(conv->window().Pixels());
    }
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
  if (e.model.imported) {  // where architecture and initial weights came from
    out.WriteAttr("/config", "onnx_file", e.model.onnx.string());
    out.WriteAttr("/config", "onnx_producer", e.model.imported->producer);
    out.WriteAttr("/config", "onnx_opset", e.model.imported->opset);
  }
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
  WriteEnergy(out, energy::MakeReport(counts, DefaultEnergyTable()), counts);
  out.Commit();
}

}  // namespace

RunSummary RunExperiment(const Experiment& e, const RunOptions& o) {
  SetNumThreads(e.threads);
  ResetThreadsUsed();
  Prepare(e, o);
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
    CheckPcmsimFile(ck, "checkpoint");
    ck.Verify();
    const std::string made_with = ck.ReadString("/config");
    if (made_with != e.config_text) {
      const std::vector<std::string> changed = ChangedKeys(made_with, e.config_text);
      if (!changed.empty()) {
        std::string list = changed.front();
        for (size_t i = 1; i < changed.size() && i < 3; ++i) list += "; " + changed[i];
        if (changed.size() > 3) list += StrCat("; and ", changed.size() - 3, " more");
        throw ConfigError(StrCat(CheckpointPath(o).string(), ": the checkpoint was made with another config (", list,
                                 "); rerun with the same config, or --fresh to start over"));
      }
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
