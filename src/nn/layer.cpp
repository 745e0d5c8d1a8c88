// Shared parts of weighted layers: construction checks and the digital bias step.
#include "pcmsim/nn/layer.hpp"

#include "pcmsim/core/error.hpp"

namespace pcmsim::nn {

WeightedLayer::WeightedLayer(LayerSpec spec, TensorShape input, TensorShape output, BackendPtr backend)
    : Layer(spec, input, output), backend_(std::move(backend)) {
  PCMSIM_CHECK(backend_ != nullptr, "weighted layer without a backend");
  bias_ = Vector::Zero(backend_->Outputs());
  bias_velocity_ = Vector::Zero(backend_->Outputs());
}

void WeightedLayer::UpdateBias(const Matrix& grad, const SgdStep& step) {
  const Vector gb = grad.rowwise().sum();
  bias_velocity_ = step.momentum * bias_velocity_ + gb;
  bias_ -= step.lr * bias_velocity_;
}

}  // namespace pcmsim::nn
