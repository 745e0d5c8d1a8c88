// An experiment as read from experiments/*.toml: data, model, per-layer backends, training
// recipe. Parsing is strict and transactional: everything is read and validated before a
// run starts, and unknown keys are errors.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "pcmsim/experiment/backends.hpp"
#include "pcmsim/experiment/ptq_eval.hpp"
#include "pcmsim/io/config.hpp"
#include "pcmsim/io/onnx.hpp"
#include "pcmsim/nn/trainer.hpp"

namespace pcmsim::experiment {

struct DataOptions {
  std::filesystem::path train_images, train_labels, test_images, test_labels;
  Index train_limit = 0;  // use only the first N training samples (0 = all), >= 0
  Index test_limit = 0;   // use only the first N test samples (0 = all), >= 0
  void Validate() const;
};

struct ModelOptions {
  // The dense shorthand: sizes, input first; >= 2 entries, all >= 1 (used when `specs` is empty).
  std::vector<Index> layers = {784, 256, 128, 10};
  nn::Activation activation = nn::Activation::kRelu;  // hidden layers' activation (shorthand)
  // A general network: one entry per [[model.layer]] table, in order (empty = shorthand).
  std::vector<nn::LayerSpec> specs;
  // Shape of one input sample: the training images' IDX header for [[model.layer]]
  // networks, {layers[0], 1, 1} for the shorthand.
  TensorShape input;
  std::string backend = "fp32";                     // default backend of every weighted layer
  std::vector<std::string> layer_backends;           // optional, one per weighted layer, overrides `backend`
  std::filesystem::path init_from;                   // earlier result file to take weights from
  // false: every weighted layer's bias is a column of its matrix driven by a constant 1 (on
  // analog tiles an extra programmed, noisy, drifting input line); see nn::LayerSpec. The
  // default of [[model.layer]] tables' own `digital_bias` key.
  bool digital_bias = true;
  // ONNX file giving architecture and weights (then layers/activation/init_from are not set).
  std::filesystem::path onnx;
  std::shared_ptr<const io::ImportedModel> imported;  // read from `onnx` when the config loads

  // The network's layers: `specs`, or the dense chain of `layers`.
  std::vector<nn::LayerSpec> Network() const;
  TensorShape InputShape() const;
  // Inputs of each weighted layer's matrix (dense: features in; conv2d: in_ch * k * k; one
  // more with a matrix bias).
  std::vector<Index> WeightedInputs() const;
  void Validate() const;
};

// Evaluation of analog layers at times after programming (PHYSICS.md sec. 5).
struct InferenceOptions {
  // Times after programming, s, each > 0: 1 s, 1 h, 1 day, 1 month (30 d), 1 year (365 d).
  std::vector<double> times_s = {1.0, 3600.0, 86400.0, 2592000.0, 31536000.0};
  int repeats = 5;  // independent programming/noise draws, [1, 1000]
  void Validate() const;
};

struct Experiment {
  std::string name = "experiment";
  std::string description;
  std::uint64_t seed = 1;  // master seed of every random stream
  int threads = 0;         // 0 = all cores
  DataOptions data;
  ModelOptions model;
  nn::TrainOptions train;
  InferenceOptions inference;
  PtqOptions ptq;          // [ptq]: post-training int quantisation after training
  BackendSet backends;     // parsed options of every backend kind
  std::string config_text;  // the resolved config (after overrides), written into results
  std::string source;       // file it came from
  std::vector<std::filesystem::path> inputs;  // every file the run reads: source, data, init_from, device

  // Backend name of weighted layer i (layer_backends[i] or backend).
  std::string LayerBackend(Index i) const;
};

// Reads `path`, applies "key=value" overrides, validates. Throws ConfigError/IoError whose
// message names the file, the key and the reason.
Experiment LoadExperiment(const std::filesystem::path& path, const std::vector<std::string>& overrides = {});
Experiment ParseExperiment(io::ConfigReader& cfg);

}  // namespace pcmsim::experiment
