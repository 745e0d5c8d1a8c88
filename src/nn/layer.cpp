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

namespace internal {

void RowSums(const Matrix& g, Vector& out) {
  constexpr Index kPacket = 16;  // rows Eigen sums as one packet (16 floats) in rowwise().sum()
  const Index rows = g.rows(), n = g.cols(), full = rows / kPacket * kPacket, tail = rows - full;
  out.resize(rows);
  if (n == 0) {
    out.setZero();
    return;
  }
  if (full > 0) out.head(full) = g.topRows(full).rowwise().sum();
  if (tail == 0) return;
  float acc[kPacket];
  const float* p = g.data() + full;
  for (Index t = 0; t < tail; ++t) acc[t] = p[t];
  for (Index j = 1; j < n; ++j) {
    const float* c = p + j * rows;
    for (Index t = 0; t < tail; ++t) acc[t] += c[t];
  }
  for (Index t = 0; t < tail; ++t) out[full + t] = acc[t];
}

}  // namespace internal

void WeightedLayer::UpdateBias(const Matrix& grad, const SgdStep& step) {
  Vector gb;
  internal::RowSums(grad, gb);
  StepBias(gb, step);
}

void WeightedLayer::StepBias(const Vector& grad_sum, const SgdStep& step) {
  bias_velocity_ = step.momentum * bias_velocity_ + grad_sum;
  bias_ -= step.lr * bias_velocity_;
}

}  // namespace pcmsim::nn
