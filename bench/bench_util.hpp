// Helpers shared by the bench/ harnesses: the command line and MNIST loading of the
// end-to-end harnesses, the MLPs they time and a callable that trains one more epoch.
// Timing and ratios: interleave.hpp.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>
#include <string>

#include "pcmsim/core/build_info.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/io/idx.hpp"
#include "pcmsim/nn/analog_backend.hpp"
#include "pcmsim/nn/fp32_backend.hpp"
#include "pcmsim/nn/fp8_backend.hpp"
#include "pcmsim/nn/trainer.hpp"

namespace pcmsim::bench {

// `--rounds N --threads T --data DIR` of the MNIST harnesses (threads applied at once;
// `--epochs` is accepted as the old name of `--rounds`).
struct MnistArgs {
  int epochs = 5;  // interleaved rounds (one epoch of each side per round)
  std::string data = std::string(build_info::kSourceDir) + "/data/mnist";
};

inline MnistArgs ParseMnistArgs(int argc, char** argv, int default_epochs) {
  MnistArgs a;
  a.epochs = default_epochs;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--epochs") || !std::strcmp(argv[i], "--rounds")) a.epochs = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads")) SetNumThreads(std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--data")) a.data = argv[i + 1];
  }
  return a;
}

// The 10k training digits and the 10k test digits shipped in data/mnist (or under `dir`).
inline io::Dataset MnistTrain(const std::string& dir) {
  return io::LoadIdxDataset(dir + "/train-10k-images-idx3-ubyte.gz", dir + "/train-10k-labels-idx1-ubyte.gz");
}
inline io::Dataset MnistTest(const std::string& dir) {
  return io::LoadIdxDataset(dir + "/t10k-images-idx3-ubyte.gz", dir + "/t10k-labels-idx1-ubyte.gz");
}

// An MLP with ReLU hidden layers and one FP32 backend per layer, initialised from seed 1.
inline nn::Network Fp32Mlp(const std::vector<Index>& sizes) {
  std::vector<nn::BackendPtr> b;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) b.push_back(std::make_unique<nn::Fp32Backend>(sizes[l], sizes[l + 1]));
  nn::Network mlp(std::move(b), nn::Activation::kRelu);
  mlp.Initialize(1);
  return mlp;
}

// The FP8 path of experiments/mnist_fp8.toml (Wang et al. 2018): fp8 (1,5,2) data and
// errors, 16-bit (1,6,9) first and last layer, (1,6,9) accumulation in chunks of 64, (1,6,9)
// master weights with stochastic rounding.
inline nn::Network Fp8Mlp(const std::vector<Index>& sizes) {
  nn::Fp8Options f8;
  f8.edge_data_format = "fp16_169";
  std::vector<nn::BackendPtr> b;
  const std::size_t layers = sizes.size() - 1;
  for (std::size_t l = 0; l < layers; ++l) {
    b.push_back(std::make_unique<nn::Fp8Backend>(sizes[l], sizes[l + 1], f8, StreamSeed(1, "fp8_layer", l),
                                                 l == 0 || l + 1 == layers));
  }
  nn::Network mlp(std::move(b), nn::Activation::kRelu);
  mlp.Initialize(1);
  return mlp;
}

// An MLP with one AnalogBackend per layer (seed 1, layer index = stream index).
inline nn::Network AnalogMlp(const std::vector<Index>& sizes, const nn::AnalogOptions& o) {
  std::vector<nn::BackendPtr> b;
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    b.push_back(std::make_unique<nn::AnalogBackend>(sizes[i], sizes[i + 1], o, 1, static_cast<Index>(i)));
  }
  nn::Network mlp(std::move(b), nn::Activation::kRelu);
  mlp.Initialize(1);
  return mlp;
}

// Callable training one more epoch of `net` per call (constant learning rate, so every
// call does the same kind of work; the per-epoch schedule would change with the count).
class EpochRunner {
 public:
  EpochRunner(nn::Network& net, const io::Dataset& train, nn::TrainOptions o) : net_(&net), train_(&train), o_(o) {
    o_.eval_every = 0;
    o_.schedule = nn::LrSchedule::kConstant;
  }
  void operator()() {
    o_.epochs = epoch_ + 1;
    nn::Train(*net_, *train_, nullptr, o_, {}, epoch_);
    ++epoch_;
  }

 private:
  nn::Network* net_;
  const io::Dataset* train_;
  nn::TrainOptions o_;
  int epoch_ = 0;
};

// MACs of one training sample of an MLP: forward and weight-gradient GEMMs of every layer,
// input-gradient GEMMs of all layers but the first (its input gradient is never needed).
inline double MlpTrainFlopsPerSample(const std::vector<Index>& sizes) {
  double fwd = 0, bwd = 0;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    const double macs = static_cast<double>(sizes[l]) * static_cast<double>(sizes[l + 1]);
    fwd += macs;
    if (l > 0) bwd += macs;
  }
  return 2.0 * (2.0 * fwd + bwd);
}

// Square n x n uniform [0, 1) matrix of seed `seed`.
inline Matrix RandomSquare(Index n, std::uint64_t seed) {
  Rng rng(seed);
  Matrix a(n, n);
  for (Index i = 0; i < a.size(); ++i) a.data()[i] = static_cast<float>(rng.Uniform());
  return a;
}

}  // namespace pcmsim::bench
