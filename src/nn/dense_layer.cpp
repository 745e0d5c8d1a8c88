// Dense layer: backend GEMM, bias (digital or a matrix column), activation.
#include "pcmsim/nn/dense_layer.hpp"

#include "pcmsim/core/error.hpp"

namespace pcmsim::nn {

DenseLayer::DenseLayer(LayerSpec spec, TensorShape input, BackendPtr backend)
    : WeightedLayer(spec, input, TensorShape{spec.units, 1, 1}, std::move(backend)) {
  if (Inputs() != input.Size() || this->backend().Outputs() != spec.units) {
    throw DimensionError(StrCat("dense layer ", input.Size(), " -> ", spec.units, " got a ", this->backend().Outputs(),
                                "x", this->backend().Inputs(), " backend"));
  }
}

void DenseLayer::Forward(const Matrix& x, Matrix& y, Pass pass) {
  backend().Forward(WithBiasInput(x), y, pass);
  if (!MatrixBias()) y.colwise() += bias();
  ApplyActivation(activation(), y);
}

void DenseLayer::Backward(const Matrix& x, const Matrix& y, Matrix& dy, Matrix* dx, const SgdStep& step) {
  ActivationBackward(activation(), y, dy);
  if (!MatrixBias()) {
    if (dx != nullptr) backend().Backward(dy, *dx);
    backend().Update(x, dy, step);
    UpdateBias(dy, step);
    return;
  }
  // Matrix bias: the ones row appended to x in Forward (kept), and dropped from dx.
  if (dx != nullptr) {
    backend().Backward(dy, dx_full_);
    DropBiasRow(dx_full_, *dx);
  }
  backend().Update(WithBiasInput(x), dy, step);
}

}  // namespace pcmsim::nn
