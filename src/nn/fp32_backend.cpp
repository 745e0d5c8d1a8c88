// FP32 backend: the three GEMMs through the deterministic ParallelGemm (batch columns), the
// batch-rows kernels (conv patches) or the direct convolution kernels (whole images).
#include "pcmsim/nn/fp32_backend.hpp"

#include "pcmsim/core/batch_rows.hpp"
#include "pcmsim/core/direct_conv.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"

namespace pcmsim::nn {

Fp32Backend::Fp32Backend(Index inputs, Index outputs)
    : w_(Matrix::Zero(outputs, inputs)), velocity_(Matrix::Zero(outputs, inputs)) {}

void Fp32Backend::Forward(const Matrix& x, Matrix& y, Pass pass) {
  if (x.rows() != w_.cols()) {
    throw DimensionError(StrCat("fp32 layer expects ", w_.cols(), " inputs, got ", x.rows()));
  }
  ParallelGemm(w_, false, x, false, y);
  (pass == Pass::kEval ? eval_forward_ : train_forward_).Add(x.cols());
}

void Fp32Backend::Backward(const Matrix& dy, Matrix& dx) {
  ParallelGemm(w_, true, dy, false, dx);
  backward_.Add(dy.cols());
}

void Fp32Backend::ForwardRows(const Matrix& xt, Matrix& yt, Pass pass) {
  if (xt.cols() != w_.cols()) {
    throw DimensionError(StrCat("fp32 layer expects ", w_.cols(), " inputs, got ", xt.cols()));
  }
  TallGemm(xt, w_, true, yt);
  (pass == Pass::kEval ? eval_forward_ : train_forward_).Add(xt.rows());
}

void Fp32Backend::BackwardRows(const Matrix& dyt, Matrix& dxt) {
  TallGemm(dyt, w_, false, dxt);
  backward_.Add(dyt.rows());
}

void Fp32Backend::UpdateRows(const Matrix& xt, const Matrix& dyt, const SgdStep& step) {
  if (dyt.cols() != w_.rows() || xt.cols() != w_.cols() || dyt.rows() != xt.rows()) {
    throw DimensionError(StrCat("weight gradient of a ", w_.rows(), "x", w_.cols(), " layer from dyt ", dyt.rows(),
                                "x", dyt.cols(), " and xt ", xt.rows(), "x", xt.cols()));
  }
  update_.Add(xt.rows());
  InnerProducts(dyt, xt, grad_);
  SgdMomentumStep(step, grad_, w_, velocity_);
}

void Fp32Backend::ForwardImages(const ImageConv& conv, const Matrix& x, Matrix& y, Pass pass) {
  DirectConvForward(conv, w_, x, y);
  // tallied as the patch columns of the im2col form: one per sample and output pixel
  (pass == Pass::kEval ? eval_forward_ : train_forward_).Add(x.cols() * conv.OutHeight() * conv.OutWidth());
}

void Fp32Backend::BackwardImages(const ImageConv& conv, const Matrix& dy, Matrix& dx) {
  DirectConvInputGradient(conv, w_, dy, dx);
  backward_.Add(dy.cols() * conv.OutHeight() * conv.OutWidth());
}

void Fp32Backend::UpdateImages(const ImageConv& conv, const Matrix& x, const Matrix& dy, const SgdStep& step,
                               Vector& dy_sums) {
  if (conv.out_channels != w_.rows() || conv.WeightColumns() != w_.cols()) {
    throw DimensionError(StrCat("weight gradient of a ", w_.rows(), "x", w_.cols(), " layer from a ",
                                conv.out_channels, "x", conv.WeightColumns(), " convolution"));
  }
  update_.Add(x.cols() * conv.OutHeight() * conv.OutWidth());
  DirectConvWeightGradient(conv, x, dy, grad_, dy_sums);
  SgdMomentumStep(step, grad_, w_, velocity_);
}

namespace {

// v <- mu v + g + wd w; w <- w - lr v over n consecutive elements.
void MomentumKernel(const SgdStep& step, const float* __restrict gp, float* __restrict wp, float* __restrict vp,
                    Index n) {
  const float mu = step.momentum, wd = step.weight_decay, lr = step.lr;
  for (Index i = 0; i < n; ++i) {
    const float v = mu * vp[i] + gp[i] + wd * wp[i];
    vp[i] = v;
    wp[i] -= lr * v;
  }
}

}  // namespace

void SgdMomentumStep(const SgdStep& step, const Matrix& grad, Matrix& w, Matrix& velocity) {
  // One fused pass per column block; each element's arithmetic is independent of the
  // blocking, so the bits do not depend on the thread count.
  ParallelFor(w.cols(), 64, [&](Index c0, Index c1) {
    const Index off = c0 * w.rows();
    MomentumKernel(step, grad.data() + off, w.data() + off, velocity.data() + off, (c1 - c0) * w.rows());
  });
}

void SgdMomentumGemmStep(const SgdStep& step, const Matrix& dy, const Matrix& x, Matrix& grad, Matrix& w,
                         Matrix& velocity) {
  const Index out = w.rows(), in = w.cols();
  if (dy.rows() != out || x.rows() != in || dy.cols() != x.cols()) {
    throw DimensionError(StrCat("weight gradient of a ", out, "x", in, " layer from dy ", dy.rows(), "x", dy.cols(),
                                " and x ", x.rows(), "x", x.cols()));
  }
  grad.resize(out, in);
  // Each column block of dW = dy x^T is computed and applied while it is still in cache.
  // The block width depends on the shape only, so the bits do not depend on the threads.
  const double flops = 2.0 * static_cast<double>(out) * static_cast<double>(in) * static_cast<double>(x.cols());
  ParallelFor(in, GemmBlockWidth(in, flops), [&](Index c0, Index c1) {
    const Index n = c1 - c0, off = c0 * out;
    grad.middleCols(c0, n).noalias() = dy * x.middleRows(c0, n).transpose();
    MomentumKernel(step, grad.data() + off, w.data() + off, velocity.data() + off, n * out);
  });
}

void Fp32Backend::Update(const Matrix& x, const Matrix& dy, const SgdStep& step) {
  update_.Add(x.cols());
  SgdMomentumGemmStep(step, dy, x, grad_, w_, velocity_);
}

void Fp32Backend::AddEvents(energy::EventCounts& counts) const {
  using energy::Phase;
  const energy::DataBytes bytes{4, 4};
  const Index out = w_.rows(), in = w_.cols();
  energy::AddGemmEvents(counts[Phase::kInference], "fp32/fp32", out, in, eval_forward_, bytes);
  energy::AddGemmEvents(counts[Phase::kForward], "fp32/fp32", out, in, train_forward_, bytes);
  energy::AddGemmEvents(counts[Phase::kBackward], "fp32/fp32", out, in, backward_, bytes);
  energy::AddUpdateEvents(counts[Phase::kUpdate], "fp32/fp32", out, in, update_, bytes, 3, 2);
}

void Fp32Backend::SetWeights(const Matrix& w) {
  if (w.rows() != w_.rows() || w.cols() != w_.cols()) {
    throw DimensionError(StrCat("weights are ", w.rows(), "x", w.cols(), ", layer is ", w_.rows(), "x", w_.cols()));
  }
  w_ = w;
}

void Fp32Backend::SaveState(StateMap& state) const {
  state["velocity"] = velocity_.cast<double>();
  WriteTallies(state, {{"train_forward", &train_forward_}, {"eval_forward", &eval_forward_}, {"backward", &backward_},
                       {"update", &update_}});
}

void Fp32Backend::LoadState(const StateMap& state) {
  ReadMatrix(state, "velocity", velocity_);
  ReadTallies(state, {{"train_forward", &train_forward_}, {"eval_forward", &eval_forward_}, {"backward", &backward_},
                      {"update", &update_}});
}

}  // namespace pcmsim::nn
