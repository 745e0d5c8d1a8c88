// Runs one experiment end to end: data, network, training with checkpoints, evaluation,
// and the result file (written to a temporary name and renamed when complete).
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "pcmsim/experiment/experiment.hpp"

namespace pcmsim::experiment {

struct RunOptions {
  std::filesystem::path output;  // result file (.h5)
  bool resume = false;           // continue from OUTPUT.ckpt if it exists
  // Start over even if OUTPUT.ckpt exists (it is replaced by this run's first checkpoint).
  // Without resume or fresh, an existing OUTPUT.ckpt stops the run (ConfigError).
  bool fresh = false;
  bool checkpoint = true;        // write OUTPUT.ckpt after every epoch
  nn::TrainCallbacks progress;   // forwarded to the trainer
  std::function<void(const std::string&)> log;  // one-line messages (may be empty)
};

struct RunSummary {
  double test_accuracy = 0;  // final, fraction
  int epochs = 0;
  double train_seconds = 0;  // sum of epoch training times (this process and resumed ones)
  std::string backend;       // "fp32", or per-layer list "fp16,fp8,fp16"
  std::string dataset;        // DatasetLabel of the test (else training) images
  std::vector<nn::EpochMetrics> history;
};

// The data set's name in results: "<folder>/<file>" of the images file (e.g.
// "fashion-mnist/t10k-images-idx3-ubyte.gz"), which tells MNIST from Fashion-MNIST.
std::string DatasetLabel(const std::filesystem::path& images);

// Builds the network described by `e` (weights initialised from e.seed or model.init_from).
nn::Network BuildNetwork(const Experiment& e);

// Before any work it removes stale OUTPUT.tmp / OUTPUT.ckpt.tmp of a killed run (logged),
// checks that OUTPUT and OUTPUT.ckpt may be written (CheckOutputFile) and that the network
// fits in memory, and refuses to replace an existing checkpoint without resume or fresh.
RunSummary RunExperiment(const Experiment& e, const RunOptions& options);

// Loads train and test sets as the experiment says.
io::Dataset LoadTrainSet(const Experiment& e);
io::Dataset LoadTestSet(const Experiment& e);

}  // namespace pcmsim::experiment
