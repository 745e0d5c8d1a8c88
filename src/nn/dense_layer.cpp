// Dense layer: backend GEMM, digital bias, activation.
#include "pcmsim/nn/dense_layer.hpp"

#include "pcmsim/core/error.hpp"

namespace pcmsim::nn {

DenseLayer::DenseLayer(LayerSpec spec, TensorShape input, BackendPtr backend)
    : WeightedLayer(spec, input, TensorShape{spec.units, 1, 1}, std::move(backend)) {
  if (this->backend().Inputs() != input.Size() || this->backend().Outputs() != spec.units) {
    throw DimensionError(StrCat("dense layer ", input.Size(), " -> ", spec.units, " got a ", this->backend().Outputs(),
                                "x", this->backend().Inputs(), " backend"));
  }
}

void DenseLayer::Forward(const Matrix& x, Matrix& y, Pass pass) {
  backend().Forward(x, y, pass);
  y.colwise() += bias();
  ApplyActivation(activation(), y);
}

void DenseLayer::Backward(const Matrix& x, const Matrix& y, Matrix& dy, Matrix* dx, const SgdStep& step) {
  ActivationBackward(activation(), y, dy);
  if (dx != nullptr) backend().Backward(dy, *dx);
  backend().Update(x, dy, step);
  UpdateBias(dy, step);
}

}  // namespace pcmsim::nn
