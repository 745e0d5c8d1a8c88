// One layer of a sequential network (nn::Network): forward and backward over a batch
// (features x batch, one sample per column, features in TensorShape order) and its own
// state. Weighted layers (dense, conv2d) keep their weights in a LayerBackend, so every
// backend (fp32, fp8, analog tiles) serves every weighted layer with no code of its own.
#pragma once

#include "pcmsim/core/shape.hpp"
#include "pcmsim/nn/backend.hpp"
#include "pcmsim/nn/layer_spec.hpp"

namespace pcmsim::nn {

class Layer {
 public:
  Layer(LayerSpec spec, TensorShape input, TensorShape output) : spec_(spec), in_(input), out_(output) {}
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  const LayerSpec& Spec() const { return spec_; }
  const TensorShape& InputShape() const { return in_; }
  const TensorShape& OutputShape() const { return out_; }

  // y = layer(x): x is InputShape().Size() x batch, y OutputShape().Size() x batch.
  virtual void Forward(const Matrix& x, Matrix& y, Pass pass) = 0;
  // Given the last Forward's input x and output y and dL/dy in `dy` (which the layer may
  // overwrite), writes dL/dx into *dx unless dx is null (first layer), then takes one
  // optimiser step on the layer's parameters (if any).
  virtual void Backward(const Matrix& x, const Matrix& y, Matrix& dy, Matrix* dx, const SgdStep& step) = 0;

 private:
  LayerSpec spec_;
  TensorShape in_, out_;
};

// A layer whose weight matrix lives in a LayerBackend, with a bias (one per output row of
// the matrix) and an optional activation applied to its output. The bias is digital FP32
// (spec.digital_bias, the default) or the backend matrix's last column, fed a constant 1
// (then the backend is Outputs() x (Inputs() + 1) and bias() stays zero).
class WeightedLayer : public Layer {
 public:
  WeightedLayer(LayerSpec spec, TensorShape input, TensorShape output, BackendPtr backend);

  LayerBackend& backend() { return *backend_; }
  const LayerBackend& backend() const { return *backend_; }
  // The weights without a matrix bias column (out x Inputs()) and the bias wherever it
  // lives: what initialisation, result files and imports read and write.
  Index Inputs() const { return backend_->Inputs() - (MatrixBias() ? 1 : 0); }
  bool MatrixBias() const { return !Spec().digital_bias; }
  // SetParameters sets both with one backend SetWeights (on-device analog training
  // programs its arrays there). Throws DimensionError on a wrong shape.
  Matrix Weights() const;
  Vector Bias() const;
  void SetParameters(const Matrix& w, const Vector& b);
  // The digital bias (zero and unused with a matrix bias).
  Vector& bias() { return bias_; }
  const Vector& bias() const { return bias_; }
  Vector& bias_velocity() { return bias_velocity_; }
  const Vector& bias_velocity() const { return bias_velocity_; }
  Activation activation() const { return Spec().activation; }
  // Fan-in and fan-out of one output (initialisation): dense in/out, conv in_ch*k*k / out_ch*k*k.
  virtual Index FanIn() const = 0;
  virtual Index FanOut() const = 0;

 protected:
  // bias <- bias - lr * v, v <- momentum * v + sum over columns of `grad` (no weight decay).
  void UpdateBias(const Matrix& grad, const SgdStep& step);
  // The same step from the gradient's sums `grad_sum` (one per output).
  void StepBias(const Vector& grad_sum, const SgdStep& step);
  // x with a row of ones appended when the bias is a matrix column, else x itself.
  const Matrix& WithBiasInput(const Matrix& x);
  // The input gradient without the bias row: dx_full (backend.Inputs() rows) -> dx.
  void DropBiasRow(const Matrix& dx_full, Matrix& dx) const;

 private:
  BackendPtr backend_;
  Vector bias_, bias_velocity_;
  Matrix x_bias_;  // the last WithBiasInput() copy
};

namespace internal {
// out = g.rowwise().sum() with the bits of Eigen 3.4's expression (rows in whole 16-float
// packets by Eigen itself, each remaining row summed left to right from its first column),
// the remaining rows summed side by side instead of one long dependency chain each: the
// bias gradient of a conv layer (6 x 50176 for LeNet's first). Bit equality: conv_test.
void RowSums(const Matrix& g, Vector& out);
}  // namespace internal

}  // namespace pcmsim::nn
