// Mini-batch SGD training and evaluation of a Network on a Dataset. No I/O: progress and
// checkpoints go through callbacks that the caller (CLI, sweep runner) implements.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "pcmsim/io/idx.hpp"
#include "pcmsim/nn/loss.hpp"
#include "pcmsim/nn/network.hpp"

namespace pcmsim::nn {

enum class LrSchedule { kConstant, kStep, kCosine };

struct TrainOptions {
  int epochs = 30;                          // passes over the training set, >= 0
  Index batch_size = 64;                    // samples per step, >= 1
  double lr = 0.05;                         // base learning rate, > 0
  double momentum = 0.9;                    // heavy-ball momentum, [0, 1)
  double weight_decay = 0.0;                // L2 coefficient, >= 0
  LrSchedule schedule = LrSchedule::kCosine;  // per-epoch schedule of the learning rate
  double lr_final_fraction = 0.0;           // cosine: lr at the end / base lr, [0, 1]
  int step_every = 10;                      // step: epochs between decays, >= 1
  double step_gamma = 0.1;                  // step: decay factor, (0, 1]
  int warmup_epochs = 0;                    // linear warm-up epochs, >= 0
  int eval_every = 1;                       // evaluate the test set every N epochs (0: only at the end)
  std::uint64_t seed = 1;                   // master seed (shuffling stream "shuffle")

  // Throws ConfigError naming the field, its value and the broken constraint.
  void Validate() const;
};

// Learning rate for `epoch` (0-based) under the options' schedule.
double LearningRate(const TrainOptions& o, int epoch);

struct EpochMetrics {
  int epoch = 0;               // 1-based
  double lr = 0;
  double train_loss = 0;       // mean cross-entropy over the epoch
  double train_accuracy = 0;   // fraction correct during the epoch (on the fly)
  double test_accuracy = -1;   // fraction, or -1 when not evaluated this epoch
  double seconds = 0;          // wall time of the epoch's training (not evaluation)
  double samples_per_second = 0;
};

// Called after each batch (cheap to ignore) and after each epoch.
struct TrainCallbacks {
  std::function<void(int epoch, Index batch, Index batches, double loss_so_far)> on_batch;
  std::function<void(const EpochMetrics&)> on_epoch;  // also the place to checkpoint
};

// Trains from epoch `start_epoch` (0 unless resuming) to options.epochs. Returns metrics of
// the epochs run. Identical seeds give identical bits for any thread count.
std::vector<EpochMetrics> Train(Network& net, const io::Dataset& train, const io::Dataset* test,
                                const TrainOptions& options, const TrainCallbacks& callbacks,
                                int start_epoch = 0);

// DimensionError naming the data set when its sample shape does not fit the network's input.
void CheckInputShape(const Network& net, const io::Dataset& data);

// Fraction of `data` classified correctly, in batches of `batch` samples.
double Evaluate(Network& net, const io::Dataset& data, Index batch = 1000);

}  // namespace pcmsim::nn
