// MLP forward/backward over per-layer backends, and the softmax cross-entropy loss.
#include "pcmsim/nn/mlp.hpp"

#include <boost/random/uniform_real_distribution.hpp>
#include <cmath>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/random.hpp"

namespace pcmsim::nn {

Mlp::Mlp(std::vector<BackendPtr> backends, Activation hidden) {
  if (backends.empty()) throw DimensionError("an MLP needs at least one layer");
  for (size_t i = 0; i < backends.size(); ++i) {
    if (i > 0 && backends[i]->Inputs() != layers_.back().backend->Outputs()) {
      throw DimensionError(StrCat("layer ", i, " takes ", backends[i]->Inputs(), " inputs but layer ", i - 1,
                                  " gives ", layers_.back().backend->Outputs()));
    }
    Layer l;
    l.bias = Vector::Zero(backends[i]->Outputs());
    l.bias_velocity = Vector::Zero(backends[i]->Outputs());
    l.activation = i + 1 == backends.size() ? Activation::kIdentity : hidden;
    l.backend = std::move(backends[i]);
    layers_.push_back(std::move(l));
  }
  acts_.resize(layers_.size());
}

std::vector<Index> Mlp::Sizes() const {
  std::vector<Index> s{Inputs()};
  for (const auto& l : layers_) s.push_back(l.backend->Outputs());
  return s;
}

void Mlp::Initialize(std::uint64_t seed) {
  for (size_t i = 0; i < layers_.size(); ++i) {
    Layer& l = layers_[i];
    const Index in = l.backend->Inputs(), out = l.backend->Outputs();
    const bool relu_in = i > 0 ? layers_[i - 1].activation == Activation::kRelu
                               : layers_[i].activation == Activation::kRelu;
    const double limit = relu_in ? std::sqrt(6.0 / static_cast<double>(in))
                                 : std::sqrt(6.0 / static_cast<double>(in + out));
    Rng rng = MakeStream(seed, "init", i);
    boost::random::uniform_real_distribution<double> u(-limit, limit);
    Matrix w(out, in);
    for (Index k = 0; k < w.size(); ++k) w.data()[k] = static_cast<float>(u(rng));
    l.backend->SetWeights(w);
    l.bias.setZero();
    l.bias_velocity.setZero();
  }
}

const Matrix& Mlp::Forward(const Matrix& x, Pass pass) {
  input_ = &x;
  const Matrix* in = &x;
  for (size_t i = 0; i < layers_.size(); ++i) {
    Layer& l = layers_[i];
    l.backend->Forward(*in, acts_[i], pass);
    acts_[i].colwise() += l.bias;
    ApplyActivation(l.activation, acts_[i]);
    in = &acts_[i];
  }
  return acts_.back();
}

void Mlp::BackwardAndUpdate(const Matrix& dlogits, const SgdStep& step) {
  PCMSIM_CHECK(input_ != nullptr, "BackwardAndUpdate() before Forward()");
  delta_ = dlogits;
  for (size_t i = layers_.size(); i-- > 0;) {
    Layer& l = layers_[i];
    ActivationBackward(l.activation, acts_[i], delta_);
    if (i > 0) l.backend->Backward(delta_, delta_prev_);
    const Matrix& x = i > 0 ? acts_[i - 1] : *input_;
    l.backend->Update(x, delta_, step);
    const Vector gb = delta_.rowwise().sum();
    l.bias_velocity = step.momentum * l.bias_velocity + gb;
    l.bias -= step.lr * l.bias_velocity;
    if (i > 0) std::swap(delta_, delta_prev_);
  }
}

LossResult SoftmaxCrossEntropy(const Matrix& logits, const std::uint8_t* labels, Matrix& dlogits) {
  const Index classes = logits.rows(), batch = logits.cols();
  dlogits.resize(classes, batch);
  LossResult r;
  const float inv_batch = 1.0f / static_cast<float>(batch);
  for (Index j = 0; j < batch; ++j) {
    Index arg = 0;
    const float m = logits.col(j).maxCoeff(&arg);
    auto e = (logits.col(j).array() - m).exp();
    const float sum = e.sum();
    const Index y = labels[j];
    PCMSIM_CHECK(y < classes, "label ", y, " >= number of outputs ", classes);
    r.loss_sum += std::log(static_cast<double>(sum)) - static_cast<double>(logits(y, j) - m);
    r.correct += arg == y ? 1 : 0;
    dlogits.col(j) = e / sum * inv_batch;
    dlogits(y, j) -= inv_batch;
  }
  return r;
}

Index CountCorrect(const Matrix& logits, const std::uint8_t* labels) {
  Index correct = 0;
  for (Index j = 0; j < logits.cols(); ++j) {
    Index arg = 0;
    logits.col(j).maxCoeff(&arg);
    correct += arg == labels[j] ? 1 : 0;
  }
  return correct;
}

}  // namespace pcmsim::nn
