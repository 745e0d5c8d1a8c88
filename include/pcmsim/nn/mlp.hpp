// A multi-layer perceptron whose layers each own a LayerBackend (fp32, fp8, analog) plus a
// digital FP32 bias and an activation. Holds the forward activations needed by backward.
#pragma once

#include <cstdint>
#include <vector>

#include "pcmsim/nn/activation.hpp"
#include "pcmsim/nn/backend.hpp"

namespace pcmsim::nn {

struct Layer {
  BackendPtr backend;
  Vector bias;           // out, digital FP32
  Vector bias_velocity;  // momentum buffer of the bias
  Activation activation = Activation::kRelu;
};

class Mlp {
 public:
  // One backend per layer; `hidden` is the activation of every layer but the last, whose
  // output (logits) is linear. Throws DimensionError if consecutive sizes do not chain.
  Mlp(std::vector<BackendPtr> backends, Activation hidden);

  // Seeded initialisation: He-uniform for ReLU, Xavier-uniform otherwise; zero biases.
  void Initialize(std::uint64_t seed);

  // Computes and keeps activations; returns the logits (classes x batch).
  const Matrix& Forward(const Matrix& x, Pass pass);
  // Back-propagates dL/dlogits through the layers kept by the last Forward(), then updates
  // every layer (weights through its backend, bias digitally).
  void BackwardAndUpdate(const Matrix& dlogits, const SgdStep& step);

  Index NumLayers() const { return static_cast<Index>(layers_.size()); }
  Layer& layer(Index i) { return layers_[static_cast<size_t>(i)]; }
  const Layer& layer(Index i) const { return layers_[static_cast<size_t>(i)]; }
  Index Inputs() const { return layers_.front().backend->Inputs(); }
  Index Outputs() const { return layers_.back().backend->Outputs(); }
  std::vector<Index> Sizes() const;

 private:
  std::vector<Layer> layers_;
  std::vector<Matrix> acts_;    // acts_[0] = input copy reference, acts_[i+1] = layer i output
  Matrix delta_, delta_prev_;   // workspaces
  const Matrix* input_ = nullptr;
};

// Mean softmax cross-entropy over the batch; writes dL/dlogits (already divided by the
// batch size) and returns {loss sum, number of correct argmax predictions}.
struct LossResult {
  double loss_sum = 0;
  Index correct = 0;
};
LossResult SoftmaxCrossEntropy(const Matrix& logits, const std::uint8_t* labels, Matrix& dlogits);

// Number of columns whose argmax equals the label.
Index CountCorrect(const Matrix& logits, const std::uint8_t* labels);

}  // namespace pcmsim::nn
