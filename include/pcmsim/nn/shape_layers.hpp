// Parameter-free layers that keep the values' layout: flatten (an image becomes a feature
// vector; the order of the features is unchanged) and element-wise activations.
#pragma once

#include "pcmsim/nn/layer.hpp"

namespace pcmsim::nn {

class FlattenLayer final : public Layer {
 public:
  FlattenLayer(LayerSpec spec, TensorShape input, TensorShape output) : Layer(spec, input, output) {}
  void Forward(const Matrix& x, Matrix& y, Pass) override { y = x; }
  void Backward(const Matrix&, const Matrix&, Matrix& dy, Matrix* dx, const SgdStep&) override {
    if (dx != nullptr) dx->swap(dy);
  }
};

class ActivationLayer final : public Layer {
 public:
  ActivationLayer(LayerSpec spec, TensorShape input) : Layer(spec, input, input) {}
  void Forward(const Matrix& x, Matrix& y, Pass) override {
    y = x;
    ApplyActivation(Spec().activation, y);
  }
  void Backward(const Matrix&, const Matrix& y, Matrix& dy, Matrix* dx, const SgdStep&) override {
    if (dx == nullptr) return;
    ActivationBackward(Spec().activation, y, dy);
    dx->swap(dy);
  }
};

}  // namespace pcmsim::nn
