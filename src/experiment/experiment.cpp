// Parsing and validation of experiment files.
#include "pcmsim/experiment/experiment.hpp"

#include <algorithm>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/validate.hpp"
#include "pcmsim/experiment/onnx_model.hpp"
#include "pcmsim/io/idx.hpp"
#include "pcmsim/numerics/int_quant.hpp"

namespace pcmsim::experiment {

void DataOptions::Validate() const {
  Require(!train_images.empty(), "data.train_images", "\"\"", "is required");
  Require(!train_labels.empty(), "data.train_labels", "\"\"", "is required");
  Require(train_limit >= 0, "data.train_limit", train_limit, "must be >= 0");
  Require(test_limit >= 0, "data.test_limit", test_limit, "must be >= 0");
  for (const auto& [key, p] : {std::pair{"data.train_images", &train_images}, {"data.train_labels", &train_labels},
                               {"data.test_images", &test_images}, {"data.test_labels", &test_labels}}) {
    Require(p->empty() || std::filesystem::exists(*p), key, p->string(), "no such file");
  }
  Require(test_images.empty() == test_labels.empty(), "data.test_labels", test_labels.string(),
              "test_images and test_labels go together");
}

std::vector<nn::LayerSpec> ModelOptions::Network() const {
  if (!specs.empty()) return specs;  // each table's own digital_bias (default: model.digital_bias)
  std::vector<nn::LayerSpec> net = nn::DenseChain(layers, activation);
  for (nn::LayerSpec& s : net) s.digital_bias = digital_bias;
  return net;
}

TensorShape ModelOptions::InputShape() const { return specs.empty() ? TensorShape{layers.front(), 1, 1} : input; }

std::vector<Index> ModelOptions::WeightedInputs() const {
  const std::vector<nn::LayerSpec> net = Network();
  const std::vector<TensorShape> shapes = nn::InferShapes(InputShape(), net);
  std::vector<Index> out;
  for (size_t i = 0; i < net.size(); ++i) {
    const TensorShape in = i == 0 ? InputShape() : shapes[i - 1];
    const Index bias_column = net[i].digital_bias ? 0 : 1;
    if (net[i].kind == nn::LayerKind::kDense) out.push_back(in.Size() + bias_column);
    if (net[i].kind == nn::LayerKind::kConv2d) out.push_back(in.channels * net[i].kernel * net[i].kernel + bias_column);
  }
  return out;
}

void ModelOptions::Validate() const {
  if (specs.empty()) {
    Require(layers.size() >= 2, "model.layers", layers.size(), "needs at least an input and an output size");
    for (Index s : layers) Require(s >= 1, "model.layers", s, "every size must be >= 1");
  }
  const size_t n_layers = WeightedInputs().size();
  Require(layer_backends.empty() || layer_backends.size() == n_layers, "model.layer_backends",
              layer_backends.size(), StrCat("must list one backend per layer (", n_layers, ")"));
  Require(init_from.empty() || std::filesystem::exists(init_from), "model.init_from", init_from.string(),
              "no such file");
}

void InferenceOptions::Validate() const {
  Require(!times_s.empty(), "inference.times_s", "[]", "needs at least one time");
  for (double t : times_s) Require(t > 0, "inference.times_s", t, "every time must be > 0 s");
  Require(repeats >= 1 && repeats <= 1000, "inference.repeats", repeats, "must be in [1, 1000]");
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

// One [[model.layer]] table. Keys a layer type does not take are errors naming the layer.
nn::LayerSpec ReadLayer(io::ConfigReader& cfg, size_t i, std::vector<std::string>& backends, bool digital_bias) {
  const std::string prefix = StrCat("model.layer.", i);
  const std::string where = StrCat(cfg.Source(), ": model.layer[", i, "]");
  if (!cfg.Has(prefix + ".type")) {
    throw ConfigError(StrCat(where, ": key 'type': is required (dense, conv2d, maxpool2d, avgpool2d, flatten, relu, "
                             "sigmoid, tanh)"));
  }
  const std::string type = cfg.GetString(prefix + ".type", "");
  nn::LayerSpec s;
  std::vector<std::string> keys = {"type"};
  if (type == "dense") {
    s.kind = nn::LayerKind::kDense;
    keys = {"type", "units", "activation", "backend", "digital_bias"};
  } else if (type == "conv2d") {
    s.kind = nn::LayerKind::kConv2d;
    keys = {"type", "out_channels", "kernel", "stride", "padding", "activation", "backend", "digital_bias"};
  } else if (type == "maxpool2d" || type == "avgpool2d") {
    s.kind = type == "maxpool2d" ? nn::LayerKind::kMaxPool2d : nn::LayerKind::kAvgPool2d;
    s.stride = 0;
    keys = {"type", "kernel", "stride", "padding"};
  } else if (type == "flatten") {
    s.kind = nn::LayerKind::kFlatten;
  } else if (type == "relu" || type == "sigmoid" || type == "tanh") {
    s.kind = nn::LayerKind::kActivation;
    s.activation = nn::ActivationFromString(type);
  } else {
    throw ConfigError(StrCat(where, ": key 'type': '", type, "' is not one of: dense, conv2d, maxpool2d, avgpool2d, "
                             "flatten, relu, sigmoid, tanh"));
  }
  for (const std::string& key : cfg.Keys(prefix)) {
    const std::string leaf = key.substr(prefix.size() + 1);
    if (std::find(keys.begin(), keys.end(), leaf) == keys.end()) {
      std::string valid;
      for (const auto& k : keys) valid += (valid.empty() ? "" : ", ") + k;
      throw ConfigError(StrCat(where, " (", type, "): unknown key '", leaf, "' (a ", type, " layer takes: ", valid, ")"));
    }
  }
  auto get_int = [&](const char* key, Index fallback) {
    try {
      return cfg.GetInt(prefix + "." + key, fallback);
    } catch (const ConfigError&) {
      throw ConfigError(StrCat(where, " (", type, "): key '", key, "': expected an integer"));
    }
  };
  s.units = get_int("units", 0);
  s.out_channels = get_int("out_channels", 0);
  s.kernel = get_int("kernel", 0);
  s.stride = get_int("stride", s.stride);
  s.padding = get_int("padding", 0);
  if (s.Weighted()) {
    const std::string act = cfg.GetString(prefix + ".activation", "identity");
    try {
      s.activation = nn::ActivationFromString(act);
    } catch (const ConfigError& e) {
      throw ConfigError(StrCat(where, " (", type, "): key 'activation': ", e.what()));
    }
    backends.push_back(cfg.GetString(prefix + ".backend", ""));
    try {
      s.digital_bias = cfg.GetBool(prefix + ".digital_bias", digital_bias);
    } catch (const ConfigError&) {
      throw ConfigError(StrCat(where, " (", type, "): key 'digital_bias': expected true or false"));
    }
  }
  return s;
}

void ReadModel(io::ConfigReader& cfg, ModelOptions& m) {
  const size_t tables = cfg.TableArraySize("model.layer");
  std::vector<std::string> per_layer_backends;
  m.digital_bias = cfg.GetBool("model.digital_bias", m.digital_bias);
  for (size_t i = 0; i < tables; ++i) m.specs.push_back(ReadLayer(cfg, i, per_layer_backends, m.digital_bias));
  if (tables > 0 && (cfg.Has("model.layers") || cfg.Has("model.activation"))) {
    cfg.Fail(cfg.Has("model.layers") ? "model.layers" : "model.activation",
             "give either model.layers (dense shorthand, with model.activation) or [[model.layer]] tables, not both");
  }
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
  const bool any_per_layer = std::any_of(per_layer_backends.begin(), per_layer_backends.end(),
                                         [](const std::string& b) { return !b.empty(); });
  if (any_per_layer) {
    if (!m.layer_backends.empty()) {
      cfg.Fail("model.layer_backends", "give per-layer backends either here or as `backend` in [[model.layer]]");
    }
    for (std::string& b : per_layer_backends) m.layer_backends.push_back(b.empty() ? m.backend : b);
  }
  m.init_from = cfg.GetPath("model.init_from", m.init_from);
  m.onnx = cfg.GetPath("model.onnx", m.onnx);
  if (m.onnx.empty()) return;
  if (!m.specs.empty()) cfg.Fail("model.layer", "conflicts with model.onnx (the file gives the architecture and the weights)");
  for (const char* key : {"model.layers", "model.activation", "model.init_from"}) {
    if (cfg.Has(key)) cfg.Fail(key, "conflicts with model.onnx (the file gives the architecture and the weights)");
  }
  try {
    auto imported = std::make_shared<io::ImportedModel>(io::ReadOnnx(m.onnx));
    ArchitectureFromOnnx(*imported, m);
    for (nn::LayerSpec& s : m.specs) s.digital_bias = m.digital_bias;
    m.imported = std::move(imported);
  } catch (const Error& e) {
    cfg.Fail("model.onnx", e.what());
  }
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
    if (e.model.imported) {
      // The file fixes the input shape; the data must fit it (as nn::Network::Accepts).
      const TensorShape data = io::IdxSampleShape(io::ReadIdxDims(e.data.train_images));
      const TensorShape& in = e.model.input;
      const bool fits = data == in || (in.Flat() && e.model.specs.front().kind == nn::LayerKind::kDense &&
                                       data.Size() == in.Size());
      if (!fits) {
        cfg.Fail("model.onnx", StrCat(e.model.onnx.string(), " takes inputs of ", in.ToString(), ", the data ",
                                      e.data.train_images.string(), " are ", data.ToString()));
      }
    } else if (!e.model.specs.empty()) {
      e.model.input = io::IdxSampleShape(io::ReadIdxDims(e.data.train_images));
      try {
        nn::InferShapes(e.model.input, e.model.specs);
      } catch (const ConfigError& err) {
        throw ConfigError(StrCat(cfg.Source(), ": ", err.what(), " (input ", e.model.input.ToString(), " from ",
                                 e.data.train_images.string(), ")"));
      }
    }
    e.model.Validate();
    e.train.Validate();
    e.inference.Validate();
    e.ptq.Validate();
    // Exact int32 accumulation (numerics::IntGemm) must hold for every layer's width.
    const std::vector<Index> weighted_inputs = e.model.WeightedInputs();
    for (std::int64_t bits : e.ptq.bits) {
      for (Index inputs : weighted_inputs) {
        if (!numerics::Int32AccumulationFits(inputs, static_cast<int>(bits), static_cast<int>(bits))) {
          cfg.Fail("ptq.bits", StrCat(bits, ": a layer with ", inputs, " inputs could overflow the int32 "
                                      "accumulator (inputs x (2^(bits-1)-1)^2 must stay below 2^31)"));
        }
      }
    }
    const auto names = BackendNames();
    for (Index i = 0; i < static_cast<Index>(weighted_inputs.size()); ++i) {
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
