// Parsing and validation of experiment files.
#include "pcmsim/experiment/experiment.hpp"

#include <algorithm>

#include "pcmsim/core/error.hpp"
#include "pcmsim/numerics/int_quant.hpp"

namespace pcmsim::experiment {

void DataOptions::Validate() const {
  io::Require(!train_images.empty(), "data.train_images", "\"\"", "is required");
  io::Require(!train_labels.empty(), "data.train_labels", "\"\"", "is required");
  io::Require(train_limit >= 0, "data.train_limit", train_limit, "must be >= 0");
  io::Require(test_limit >= 0, "data.test_limit", test_limit, "must be >= 0");
  for (const auto& [key, p] : {std::pair{"data.train_images", &train_images}, {"data.train_labels", &train_labels},
                               {"data.test_images", &test_images}, {"data.test_labels", &test_labels}}) {
    io::Require(p->empty() || std::filesystem::exists(*p), key, p->string(), "no such file");
  }
  io::Require(test_images.empty() == test_labels.empty(), "data.test_labels", test_labels.string(),
              "test_images and test_labels go together");
}

void ModelOptions::Validate() const {
  io::Require(layers.size() >= 2, "model.layers", layers.size(), "needs at least an input and an output size");
  for (Index s : layers) io::Require(s >= 1, "model.layers", s, "every size must be >= 1");
  const size_t n_layers = layers.size() - 1;
  io::Require(layer_backends.empty() || layer_backends.size() == n_layers, "model.layer_backends",
              layer_backends.size(), StrCat("must list one backend per layer (", n_layers, ")"));
  io::Require(init_from.empty() || std::filesystem::exists(init_from), "model.init_from", init_from.string(),
              "no such file");
}

void InferenceOptions::Validate() const {
  io::Require(!times_s.empty(), "inference.times_s", "[]", "needs at least one time");
  for (double t : times_s) io::Require(t > 0, "inference.times_s", t, "every time must be > 0 s");
  io::Require(repeats >= 1 && repeats <= 1000, "inference.repeats", repeats, "must be in [1, 1000]");
}

std::string Experiment::LayerBackend(Index i) const {
  return model.layer_backends.empty() ? model.backend : model.layer_backends[static_cast<size_t>(i)];
}

namespace {

void ReadTrain(io::ConfigReader& cfg, nn::TrainOptions& t) {
  t.epochs = static_cast<int>(cfg.GetInt("train.epochs", t.epochs));
  t.batch_size = cfg.GetInt("train.batch_size", t.batch_size);
  t.lr = cfg.GetDouble("train.lr", t.lr);
  t.momentum = cfg.GetDouble("train.momentum", t.momentum);
  t.weight_decay = cfg.GetDouble("train.weight_decay", t.weight_decay);
  t.schedule = cfg.GetEnum<nn::LrSchedule>("train.schedule", t.schedule,
                                           {{"constant", nn::LrSchedule::kConstant},
                                            {"step", nn::LrSchedule::kStep},
                                            {"cosine", nn::LrSchedule::kCosine}});
  t.lr_final_fraction = cfg.GetDouble("train.lr_final_fraction", t.lr_final_fraction);
  t.step_every = static_cast<int>(cfg.GetInt("train.step_every", t.step_every));
  t.step_gamma = cfg.GetDouble("train.step_gamma", t.step_gamma);
  t.warmup_epochs = static_cast<int>(cfg.GetInt("train.warmup_epochs", t.warmup_epochs));
  t.eval_every = static_cast<int>(cfg.GetInt("train.eval_every", t.eval_every));
}

void ReadModel(io::ConfigReader& cfg, ModelOptions& m) {
  std::vector<std::int64_t> sizes(m.layers.begin(), m.layers.end());
  sizes = cfg.GetIntList("model.layers", sizes);
  m.layers.assign(sizes.begin(), sizes.end());
  const std::string act = cfg.GetString("model.activation", std::string(nn::ToString(m.activation)));
  try {
    m.activation = nn::ActivationFromString(act);
  } catch (const ConfigError& e) {
    cfg.Fail("model.activation", e.what());
  }
  m.backend = cfg.GetString("model.backend", m.backend);
  m.layer_backends = cfg.GetStringList("model.layer_backends", m.layer_backends);
  m.init_from = cfg.GetPath("model.init_from", m.init_from);
}

}  // namespace

Experiment ParseExperiment(io::ConfigReader& cfg) {
  Experiment e;
  e.source = cfg.Source();
  try {
    e.name = cfg.GetString("experiment.name", e.name);
    e.description = cfg.GetString("experiment.description", e.description);
    const std::int64_t seed = cfg.GetInt("experiment.seed", static_cast<std::int64_t>(e.seed));
    if (seed < 0) cfg.Fail("experiment.seed", StrCat(seed, " must be >= 0"));
    e.seed = static_cast<std::uint64_t>(seed);
    e.threads = static_cast<int>(cfg.GetInt("experiment.threads", e.threads));
    if (e.threads < 0) cfg.Fail("experiment.threads", StrCat(e.threads, " must be >= 0 (0 = all cores)"));
    e.data.train_images = cfg.GetPath("data.train_images", "");
    e.data.train_labels = cfg.GetPath("data.train_labels", "");
    e.data.test_images = cfg.GetPath("data.test_images", "");
    e.data.test_labels = cfg.GetPath("data.test_labels", "");
    e.data.train_limit = cfg.GetInt("data.train_limit", 0);
    e.data.test_limit = cfg.GetInt("data.test_limit", 0);
    ReadModel(cfg, e.model);
    ReadTrain(cfg, e.train);
    e.inference.times_s = cfg.GetDoubleList("inference.times_s", e.inference.times_s);
    e.inference.repeats = static_cast<int>(cfg.GetInt("inference.repeats", e.inference.repeats));
    e.ptq.bits = cfg.GetIntList("ptq.bits", e.ptq.bits);
    e.ptq.calibration_samples = cfg.GetInt("ptq.calibration_samples", e.ptq.calibration_samples);
    e.ptq.activation_quantile = cfg.GetDouble("ptq.activation_quantile", e.ptq.activation_quantile);
    e.train.seed = e.seed;
    e.backends = ConfigureBackends(cfg, e.seed);
    cfg.CheckAllConsumed();
    e.data.Validate();
    e.model.Validate();
    e.train.Validate();
    e.inference.Validate();
    e.ptq.Validate();
    // Exact int32 accumulation (numerics::IntGemm) must hold for every layer's width.
    for (std::int64_t bits : e.ptq.bits) {
      for (size_t i = 0; i + 1 < e.model.layers.size(); ++i) {
        if (!numerics::Int32AccumulationFits(e.model.layers[i], static_cast<int>(bits), static_cast<int>(bits))) {
          cfg.Fail("ptq.bits", StrCat(bits, ": a layer with ", e.model.layers[i], " inputs could overflow the int32 "
                                      "accumulator (inputs x (2^(bits-1)-1)^2 must stay below 2^31)"));
        }
      }
    }
    const auto names = BackendNames();
    for (Index i = 0; i + 1 < static_cast<Index>(e.model.layers.size()); ++i) {
      const std::string b = e.LayerBackend(i);
      if (std::find(names.begin(), names.end(), b) == names.end()) {
        e.backends.Make(b, 1, 1, i, 1);  // throws the message listing valid names
      }
    }
  } catch (const ConfigError& err) {
    const std::string msg = err.what();
    // Validate() messages do not know the file: prefix it once.
    if (msg.rfind(cfg.Source(), 0) == 0) throw;
    throw ConfigError(StrCat(cfg.Source(), ": ", msg));
  }
  e.config_text = cfg.Text();
  e.inputs = cfg.PathsRead();
  if (!e.source.empty()) e.inputs.insert(e.inputs.begin(), e.source);
  return e;
}

Experiment LoadExperiment(const std::filesystem::path& path, const std::vector<std::string>& overrides) {
  io::ConfigReader cfg = io::ConfigReader::FromFile(path);
  for (const auto& o : overrides) cfg.ApplyOverride(o);
  return ParseExperiment(cfg);
}

}  // namespace pcmsim::experiment
