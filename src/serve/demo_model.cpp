// Result file -> programmed network copies -> one classification per request.
#include "pcmsim/serve/demo_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "pcmsim/core/error.hpp"
#include "pcmsim/energy/energy_table.hpp"
#include "pcmsim/energy/event_counts.hpp"
#include "pcmsim/energy/ledger.hpp"
#include "pcmsim/experiment/energy_table_load.hpp"
#include "pcmsim/experiment/experiment.hpp"
#include "pcmsim/experiment/result_file.hpp"
#include "pcmsim/experiment/runner.hpp"
#include "pcmsim/io/config.hpp"
#include "pcmsim/io/h5.hpp"
#include "pcmsim/nn/analog_backend.hpp"
#include "pcmsim/nn/fp8_backend.hpp"
#include "pcmsim/nn/network.hpp"

namespace pcmsim::serve {
namespace {

// The config keys that hold paths, as ParseExperiment reads them.
constexpr const char* kPathKeys[] = {"data.train_images", "data.train_labels", "data.test_images",
                                     "data.test_labels",  "analog.device",     "model.onnx"};

// A TOML basic string holding `s`.
std::string TomlString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::vector<double> VectorOrEmpty(const io::H5Reader& in, const std::string& dataset) {
  return in.Exists(dataset) ? in.ReadVector(dataset) : std::vector<double>{};
}

}  // namespace

// How every copy is made: the parsed experiment (paths made absolute, no init_from) and the
// result file the weights come from.
struct DemoModel::Recipe {
  experiment::Experiment experiment;
  std::filesystem::path result;
  energy::EnergyTable table = experiment::DefaultEnergyTable();
};

// One copy of the network with its programmed analog layers. `programmed` holds every
// analog tile's stream positions right after programming (the prototype's positions).
struct DemoModel::Worker {
  nn::Network net;
  std::vector<nn::AnalogBackend*> analog;
  std::vector<std::vector<crossbar::Tile::StreamPositions>> programmed;  // [analog layer][tile]
  std::vector<nn::Fp8Backend*> fp8;
  bool read_valid = false;  // the analog tiles hold a read at read_t (with the programmed calibration stream)
  double read_t = 0;
};

namespace {

double InferenceJoules(const nn::Network& net, const energy::EnergyTable& table) {
  energy::EventCounts counts;
  for (Index k = 0; k < net.NumWeighted(); ++k) {
    counts.layer = StrCat("layer_", net.WeightedIndices()[static_cast<size_t>(k)]);
    net.weighted(k).backend().AddEvents(counts);
  }
  return energy::ComputeLedger(counts, table).Of(energy::Phase::kInference);
}

}  // namespace

DemoModel::DemoModel(const std::filesystem::path& result, int workers) : recipe_(std::make_unique<Recipe>()) {
  if (workers < 1) throw ConfigError(StrCat("serve: workers must be >= 1, got ", workers));
  const std::string file = result.string();
  io::H5Reader in(result);
  experiment::CheckPcmsimFile(in, "run");
  in.Verify();
  const std::string text = in.ReadString("/config");
  const std::string source = in.HasAttr("/config", "source") ? in.AttrString("/config", "source") : "";
  const std::filesystem::path base =
      source.empty() ? std::filesystem::current_path() : std::filesystem::absolute(source).parent_path();
  const std::string label = file + ": /config";

  // The stored config is the run's resolved text; its relative paths were relative to the
  // experiment file. Re-apply them as absolute overrides; the weights come from this file.
  io::ConfigReader raw = io::ConfigReader::FromString(text, label);
  std::vector<std::string> overrides;
  std::string device;
  for (const char* key : kPathKeys) {
    if (!raw.Has(key)) continue;
    std::filesystem::path p = raw.GetString(key, "");
    if (std::string(key) == "analog.device") device = p.stem().string();
    if (p.empty() || p.is_absolute()) continue;
    // Relative to the experiment file as written there; a value given with --set was
    // relative to the run's current folder: take the one that exists (the first if neither).
    std::filesystem::path resolved = (base / p).lexically_normal();
    if (!std::filesystem::exists(resolved) && std::filesystem::exists(p)) resolved = std::filesystem::absolute(p);
    overrides.push_back(StrCat(key, "=", TomlString(resolved.string())));
  }
  if (raw.Has("model.init_from")) overrides.emplace_back("model.init_from=\"\"");
  io::ConfigReader cfg = io::ConfigReader::FromString(text, label);
  for (const std::string& o : overrides) cfg.ApplyOverride(o);
  try {
    recipe_->experiment = experiment::ParseExperiment(cfg);
  } catch (const ConfigError& e) {
    throw ConfigError(StrCat(e.what(), " (relative paths of the run resolve against ", base.string(),
                             ", the folder of /config source '", source,
                             "': serve from the folder the run started in)"));
  }
  recipe_->result = result;

  info_.name = result.stem().string();
  info_.file = file;
  const auto attr_string = [&](const char* name) {
    return in.HasAttr("/summary", name) ? in.AttrString("/summary", name) : std::string();
  };
  const auto attr_double = [&](const char* name) {
    return in.HasAttr("/summary", name) ? in.AttrDouble("/summary", name) : std::numeric_limits<double>::quiet_NaN();
  };
  info_.backend = attr_string("backend");
  info_.dataset = attr_string("dataset");
  info_.accuracy = attr_double("test_accuracy");
  info_.energy_per_inference_J = attr_double("energy_per_inference_J");
  const std::string g = "/summary/accuracy_vs_time";
  info_.curve_time_s = VectorOrEmpty(in, g + "/time_s");
  info_.curve_mean = VectorOrEmpty(in, g + "/mean");
  info_.curve_mean_uncompensated = VectorOrEmpty(in, g + "/mean_uncompensated");

  for (int i = 0; i < workers; ++i) free_.push_back(MakeWorker());
  const Worker& w = *free_.front();
  info_.analog = !w.analog.empty();
  info_.device = info_.analog ? (device.empty() ? "built-in conventional preset" : device) : "digital";
  info_.inputs = w.net.Inputs();
  info_.classes = w.net.Outputs();
}

DemoModel::~DemoModel() = default;

std::unique_ptr<DemoModel::Worker> DemoModel::MakeWorker() const {
  io::H5Reader in(recipe_->result);
  auto w = std::make_unique<Worker>(Worker{experiment::BuildNetwork(recipe_->experiment), {}, {}, {}, false, 0.0});
  experiment::ReadModel(in, w->net, false);
  for (nn::WeightedLayer* l : w->net.Weighted()) {
    if (auto* a = dynamic_cast<nn::AnalogBackend*>(&l->backend())) {
      // The first programming draw of the accuracy-vs-time evaluation (EvaluateOverTime).
      a->ProgramForInference(0);
      w->analog.push_back(a);
      const crossbar::AnalogMatrix& m = *a->array();
      std::vector<crossbar::Tile::StreamPositions> tiles;
      for (Index r = 0; r < m.row_blocks(); ++r) {
        for (Index c = 0; c < m.col_blocks(); ++c) tiles.push_back(m.tile(r, c).stream_positions());
      }
      w->programmed.push_back(std::move(tiles));
    }
    if (auto* f = dynamic_cast<nn::Fp8Backend*>(&l->backend())) w->fp8.push_back(f);
  }
  return w;
}

Classification DemoModel::Classify(const Matrix& x, const ClassifyParams& p) const {
  if (x.rows() != info_.inputs || x.cols() != 1) {
    throw DimensionError(StrCat("model '", info_.name, "' takes one sample of ", info_.inputs, " values, got ",
                                x.rows(), " x ", x.cols()));
  }
  if (!(p.t_seconds >= kMinTimeS && p.t_seconds <= kMaxTimeS) || p.seed > kMaxSeed) {
    throw ConfigError(StrCat("model '", info_.name, "': t_seconds ", p.t_seconds, " must be in [", kMinTimeS, ", ",
                             kMaxTimeS, "] and seed ", p.seed, " in [0, ", kMaxSeed, "]"));
  }
  std::unique_ptr<Worker> w;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    free_cv_.wait(lock, [&] { return !free_.empty(); });
    // A copy that holds a read at this time (no re-read), else the least recently used.
    auto it = std::find_if(free_.begin(), free_.end(),
                           [&](const auto& c) { return c->read_valid && c->read_t == p.t_seconds; });
    if (it == free_.end()) it = free_.begin();
    w = std::move(*it);
    free_.erase(it);
  }
  struct Return {  // hands the copy back, also when the forward pass throws
    const DemoModel& m;
    std::unique_ptr<Worker>& w;
    ~Return() {
      {
        std::lock_guard<std::mutex> lock(m.mutex_);
        m.free_.push_back(std::move(w));
      }
      m.free_cv_.notify_one();
    }
  } give_back{*this, w};

  for (size_t i = 0; i < w->analog.size(); ++i) {
    crossbar::AnalogMatrix& m = *w->analog[i]->array();
    size_t k = 0;
    for (Index r = 0; r < m.row_blocks(); ++r) {
      for (Index c = 0; c < m.col_blocks(); ++c) {
        crossbar::Tile::StreamPositions pos = w->programmed[i][k++];
        pos.forward = p.seed;  // the read-noise draw of this request's MVMs
        m.tile(r, c).set_stream_positions(pos);
      }
    }
    w->analog[i]->SetCompensationApplied(p.compensation);
  }
  // A read is a function of the devices (never changed by reads) and the time, and its
  // calibration uses the programmed stream position: a copy that last read at the same
  // time holds exactly the state a new read would give.
  if (!w->analog.empty() && !(w->read_valid && w->read_t == p.t_seconds)) {
    w->read_valid = false;
    for (nn::AnalogBackend* a : w->analog) a->ReadAfter(p.t_seconds);
    w->read_valid = true;
    w->read_t = p.t_seconds;
  }
  nn::StateMap fp8_state;
  fp8_state["gemm_calls"] = MatrixD::Zero(1, 1);  // the same rounding streams for every request
  for (nn::Fp8Backend* f : w->fp8) f->LoadState(fp8_state);

  const double before = InferenceJoules(w->net, recipe_->table);
  const Matrix& logits = w->net.Forward(x, nn::Pass::kEval);
  Classification out;
  out.energy_J = InferenceJoules(w->net, recipe_->table) - before;
  const Index n = logits.rows();
  const double top = logits.col(0).cast<double>().maxCoeff();
  double sum = 0;
  out.probabilities.resize(static_cast<size_t>(n));
  for (Index c = 0; c < n; ++c) {
    out.probabilities[static_cast<size_t>(c)] = std::exp(static_cast<double>(logits(c, 0)) - top);
    sum += out.probabilities[static_cast<size_t>(c)];
  }
  for (double& v : out.probabilities) v /= sum;
  out.predicted = static_cast<int>(std::max_element(out.probabilities.begin(), out.probabilities.end()) -
                                   out.probabilities.begin());
  return out;
}

}  // namespace pcmsim::serve
