// FP32 backend: the three GEMMs through the deterministic ParallelGemm.
#include "pcmsim/nn/fp32_backend.hpp"

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"

namespace pcmsim::nn {

Fp32Backend::Fp32Backend(Index inputs, Index outputs)
    : w_(Matrix::Zero(outputs, inputs)), velocity_(Matrix::Zero(outputs, inputs)) {}

void Fp32Backend::Forward(const Matrix& x, Matrix& y, Pass /*pass*/) {
  if (x.rows() != w_.cols()) {
    throw DimensionError(StrCat("fp32 layer expects ", w_.cols(), " inputs, got ", x.rows()));
  }
  ParallelGemm(w_, false, x, false, y);
  macs_forward_ += static_cast<double>(w_.size()) * static_cast<double>(x.cols());
}

void Fp32Backend::Backward(const Matrix& dy, Matrix& dx) {
  ParallelGemm(w_, true, dy, false, dx);
  macs_backward_ += static_cast<double>(w_.size()) * static_cast<double>(dy.cols());
}

void SgdMomentumStep(const SgdStep& step, const Matrix& grad, Matrix& w, Matrix& velocity) {
  // One fused pass per column block; each element's arithmetic is independent of the
  // blocking, so the bits do not depend on the thread count.
  const float mu = step.momentum, wd = step.weight_decay, lr = step.lr;
  ParallelFor(w.cols(), 64, [&](Index c0, Index c1) {
    const Index n = (c1 - c0) * w.rows(), off = c0 * w.rows();
    float* __restrict wp = w.data() + off;
    float* __restrict vp = velocity.data() + off;
    const float* __restrict gp = grad.data() + off;
    for (Index i = 0; i < n; ++i) {
      const float v = mu * vp[i] + gp[i] + wd * wp[i];
      vp[i] = v;
      wp[i] -= lr * v;
    }
  });
}

void Fp32Backend::Update(const Matrix& x, const Matrix& dy, const SgdStep& step) {
  ParallelGemm(dy, false, x, true, grad_);
  macs_update_ += static_cast<double>(w_.size()) * static_cast<double>(x.cols());
  SgdMomentumStep(step, grad_, w_, velocity_);
}

void Fp32Backend::SetWeights(const Matrix& w) {
  if (w.rows() != w_.rows() || w.cols() != w_.cols()) {
    throw DimensionError(StrCat("weights are ", w.rows(), "x", w.cols(), ", layer is ", w_.rows(), "x", w_.cols()));
  }
  w_ = w;
}

void Fp32Backend::SaveState(StateMap& state) const { state["velocity"] = velocity_.cast<double>(); }

void Fp32Backend::LoadState(const StateMap& state) {
  if (auto it = state.find("velocity"); it != state.end()) velocity_ = it->second.cast<float>();
}

}  // namespace pcmsim::nn
