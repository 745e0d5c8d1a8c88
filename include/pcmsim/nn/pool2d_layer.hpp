// Max and average pooling over square windows, per channel (no parameters).
#pragma once

#include <cstdint>

#include "pcmsim/nn/conv2d_layer.hpp"

namespace pcmsim::nn {

class Pool2dLayer final : public Layer {
 public:
  Pool2dLayer(LayerSpec spec, TensorShape input, TensorShape output);
  void Forward(const Matrix& x, Matrix& y, Pass pass) override;
  void Backward(const Matrix& x, const Matrix& y, Matrix& dy, Matrix* dx, const SgdStep& step) override;

 private:
  bool max_;
  Window window_;
  Eigen::Matrix<std::int32_t, Eigen::Dynamic, Eigen::Dynamic> argmax_;  // max: input index per output
};

}  // namespace pcmsim::nn
