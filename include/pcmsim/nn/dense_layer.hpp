// A fully connected layer: y = f(W x + b), W (out x in, or out x (in + 1) with the bias as
// its last column) in the layer's backend. Fed an
// image it reads the features in TensorShape order (as a flatten would).
#pragma once

#include "pcmsim/nn/layer.hpp"

namespace pcmsim::nn {

class DenseLayer final : public WeightedLayer {
 public:
  DenseLayer(LayerSpec spec, TensorShape input, BackendPtr backend);
  void Forward(const Matrix& x, Matrix& y, Pass pass) override;
  void Backward(const Matrix& x, const Matrix& y, Matrix& dy, Matrix* dx, const SgdStep& step) override;
  Index FanIn() const override { return InputShape().Size(); }
  Index FanOut() const override { return Spec().units; }

 private:
  Matrix dx_full_;  // input gradient with the bias row (matrix bias)
};

}  // namespace pcmsim::nn
