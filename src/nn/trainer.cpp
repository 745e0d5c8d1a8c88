// The training loop: seeded shuffling per epoch, batch gathering, loss, update, metrics.
#include "pcmsim/nn/trainer.hpp"

#include <boost/random/uniform_int_distribution.hpp>
#include <chrono>
#include <cmath>
#include <numeric>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/io/config.hpp"

namespace pcmsim::nn {

void TrainOptions::Validate() const {
  io::Require(epochs >= 0, "train.epochs", epochs, "must be >= 0");
  io::Require(batch_size >= 1, "train.batch_size", batch_size, "must be >= 1");
  io::Require(lr > 0 && std::isfinite(lr), "train.lr", lr, "must be a positive number");
  io::Require(momentum >= 0 && momentum < 1, "train.momentum", momentum, "must be in [0, 1)");
  io::Require(weight_decay >= 0, "train.weight_decay", weight_decay, "must be >= 0");
  io::Require(lr_final_fraction >= 0 && lr_final_fraction <= 1, "train.lr_final_fraction", lr_final_fraction,
              "must be in [0, 1]");
  io::Require(step_every >= 1, "train.step_every", step_every, "must be >= 1");
  io::Require(step_gamma > 0 && step_gamma <= 1, "train.step_gamma", step_gamma, "must be in (0, 1]");
  io::Require(warmup_epochs >= 0, "train.warmup_epochs", warmup_epochs, "must be >= 0");
  io::Require(eval_every >= 0, "train.eval_every", eval_every, "must be >= 0");
}

double LearningRate(const TrainOptions& o, int epoch) {
  if (epoch < o.warmup_epochs) return o.lr * (epoch + 1) / (o.warmup_epochs + 1);
  switch (o.schedule) {
    case LrSchedule::kConstant: return o.lr;
    case LrSchedule::kStep: return o.lr * std::pow(o.step_gamma, epoch / o.step_every);
    case LrSchedule::kCosine: {
      const int span = std::max(1, o.epochs - o.warmup_epochs);
      const double t = static_cast<double>(epoch - o.warmup_epochs) / span;
      const double lo = o.lr * o.lr_final_fraction;
      return lo + 0.5 * (o.lr - lo) * (1.0 + std::cos(M_PI * t));
    }
  }
  return o.lr;
}

namespace {

std::vector<Index> Permutation(Index n, std::uint64_t seed, int epoch) {
  std::vector<Index> p(static_cast<size_t>(n));
  std::iota(p.begin(), p.end(), Index{0});
  Rng rng = MakeStream(seed, "shuffle", 0, static_cast<std::uint64_t>(epoch));
  for (Index i = n - 1; i > 0; --i) {
    boost::random::uniform_int_distribution<Index> pick(0, i);
    std::swap(p[static_cast<size_t>(i)], p[static_cast<size_t>(pick(rng))]);
  }
  return p;
}

void Gather(const io::Dataset& d, const std::vector<Index>& order, Index begin, Index end, Matrix& x,
            std::vector<std::uint8_t>& y) {
  x.resize(d.Features(), end - begin);
  y.resize(static_cast<size_t>(end - begin));
  for (Index j = begin; j < end; ++j) {
    const Index src = order[static_cast<size_t>(j)];
    x.col(j - begin) = d.x.col(src);
    y[static_cast<size_t>(j - begin)] = d.labels[static_cast<size_t>(src)];
  }
}

}  // namespace

void CheckInputShape(const Network& net, const io::Dataset& data) {
  // A data set made in code without a shape is a flat feature vector.
  const TensorShape shape = data.shape.Size() == data.Features() ? data.shape : TensorShape{data.Features(), 1, 1};
  if (!net.Accepts(shape) || data.Features() != net.Inputs()) {
    throw DimensionError(StrCat("dataset ", data.name, " has samples of shape ", shape.ToString(), " (",
                                data.Features(), " features), the network takes ", net.InputShape().ToString()));
  }
}

std::vector<EpochMetrics> Train(Network& mlp, const io::Dataset& train, const io::Dataset* test,
                                const TrainOptions& o, const TrainCallbacks& cb, int start_epoch) {
  o.Validate();
  CheckInputShape(mlp, train);
  for (const io::Dataset* d : {&train, test}) {
    if (d != nullptr && d->classes > mlp.Outputs()) {
      throw DimensionError(StrCat(d->labels_name.empty() ? d->name : d->labels_name, ": labels go up to ",
                                  d->classes - 1, " but the network gives ", mlp.Outputs(),
                                  " outputs (classes 0 to ", mlp.Outputs() - 1, ")"));
    }
  }
  std::vector<EpochMetrics> history;
  const Index n = train.Samples();
  const Index batches = (n + o.batch_size - 1) / o.batch_size;
  Matrix xb, dlogits;
  std::vector<std::uint8_t> yb;
  long step_count = static_cast<long>(start_epoch) * batches;
  for (int epoch = start_epoch; epoch < o.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<Index> order = Permutation(n, o.seed, epoch);
    SgdStep step;
    step.lr = static_cast<float>(LearningRate(o, epoch));
    step.momentum = static_cast<float>(o.momentum);
    step.weight_decay = static_cast<float>(o.weight_decay);
    double loss_sum = 0;
    Index correct = 0;
    for (Index b = 0; b < batches; ++b) {
      const Index begin = b * o.batch_size, end = std::min(n, begin + o.batch_size);
      Gather(train, order, begin, end, xb, yb);
      const Matrix& logits = mlp.Forward(xb, Pass::kTrain);
      const LossResult r = SoftmaxCrossEntropy(logits, yb.data(), dlogits);
      if (!std::isfinite(r.loss_sum)) {
        throw Error(StrCat("training diverged: loss is ", r.loss_sum, " at epoch ", epoch + 1, ", batch ", b + 1,
                           " (lower train.lr?)"));
      }
      loss_sum += r.loss_sum;
      correct += r.correct;
      step.step = step_count++;
      mlp.BackwardAndUpdate(dlogits, step);
      if (cb.on_batch) cb.on_batch(epoch + 1, b + 1, batches, loss_sum / static_cast<double>(end));
    }
    EpochMetrics m;
    m.epoch = epoch + 1;
    m.lr = step.lr;
    m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    m.train_loss = loss_sum / static_cast<double>(n);
    m.train_accuracy = static_cast<double>(correct) / static_cast<double>(n);
    m.samples_per_second = static_cast<double>(n) / m.seconds;
    const bool eval_now = test != nullptr && ((o.eval_every > 0 && (epoch + 1) % o.eval_every == 0) ||
                                              epoch + 1 == o.epochs);
    if (eval_now) m.test_accuracy = Evaluate(mlp, *test);
    history.push_back(m);
    if (cb.on_epoch) cb.on_epoch(m);
  }
  return history;
}

double Evaluate(Network& mlp, const io::Dataset& data, Index batch) {
  CheckInputShape(mlp, data);
  Index correct = 0;
  Matrix xb;
  for (Index begin = 0; begin < data.Samples(); begin += batch) {
    const Index cols = std::min(batch, data.Samples() - begin);
    xb = data.x.middleCols(begin, cols);
    const Matrix& logits = mlp.Forward(xb, Pass::kEval);
    correct += CountCorrect(logits, data.labels.data() + begin);
  }
  return static_cast<double>(correct) / static_cast<double>(data.Samples());
}

}  // namespace pcmsim::nn
