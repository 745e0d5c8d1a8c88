// Shared parts of weighted layers: construction checks and the digital bias step.
#include "pcmsim/nn/layer.hpp"

#include "pcmsim/core/error.hpp"

namespace pcmsim::nn {

WeightedLayer::WeightedLayer(LayerSpec spec, TensorShape input, TensorShape output, BackendPtr backend)
    : Layer(spec, input, output), backend_(std::move(backend)) {
  PCMSIM_CHECK(backend_ != nullptr, "weighted layer without a backend");
  PCMSIM_CHECK(backend_->Inputs() >= (MatrixBias() ? 2 : 1), "weighted layer without inputs");
  bias_ = Vector::Zero(backend_->Outputs());
  bias_velocity_ = Vector::Zero(backend_->Outputs());
}

Matrix WeightedLayer::Weights() const {
  Matrix w = backend_->Weights();
  if (MatrixBias()) return w.leftCols(w.cols() - 1);
  return w;
}

Vector WeightedLayer::Bias() const { return MatrixBias() ? Vector(backend_->Weights().col(Inputs())) : bias_; }

void WeightedLayer::SetParameters(const Matrix& w, const Vector& b) {
  const Index out = backend_->Outputs();
  if (w.rows() != out || w.cols() != Inputs()) {
    throw DimensionError(StrCat("weights are ", w.rows(), "x", w.cols(), ", layer is ", out, "x", Inputs()));
  }
  if (b.size() != out) throw DimensionError(StrCat("bias has ", b.size(), " values, the layer ", out, " outputs"));
  if (!MatrixBias()) {
    backend_->SetWeights(w);
    bias_ = b;
    return;
  }
  Matrix full(out, Inputs() + 1);
  full.leftCols(Inputs()) = w;
  full.col(Inputs()) = b;
  backend_->SetWeights(full);
}

const Matrix& WeightedLayer::WithBiasInput(const Matrix& x) {
  if (!MatrixBias()) return x;
  x_bias_.resize(x.rows() + 1, x.cols());
  x_bias_.topRows(x.rows()) = x;
  x_bias_.row(x.rows()).setOnes();
  return x_bias_;
}

void WeightedLayer::DropBiasRow(const Matrix& dx_full, Matrix& dx) const {
  dx = dx_full.topRows(dx_full.rows() - 1);
}

void WeightedLayer::UpdateBias(const Matrix& grad, const SgdStep& step) {
  const Vector gb = grad.rowwise().sum();
  bias_velocity_ = step.momentum * bias_velocity_ + gb;
  bias_ -= step.lr * bias_velocity_;
}

}  // namespace pcmsim::nn
