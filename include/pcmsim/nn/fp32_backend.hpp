// The FP32 reference backend: Eigen GEMMs and SGD with momentum, all in float.
#pragma once

#include "pcmsim/energy/event_counts.hpp"
#include "pcmsim/nn/backend.hpp"

namespace pcmsim::nn {

class Fp32Backend final : public LayerBackend {
 public:
  Fp32Backend(Index inputs, Index outputs);

  std::string_view Name() const override { return "fp32"; }
  Index Inputs() const override { return w_.cols(); }
  Index Outputs() const override { return w_.rows(); }
  void Forward(const Matrix& x, Matrix& y, Pass pass) override;
  void Backward(const Matrix& dy, Matrix& dx) override;
  void Update(const Matrix& x, const Matrix& dy, const SgdStep& step) override;
  // Batch rows (conv patches): TallGemm for the forward and input gradient, InnerProducts
  // for the weight gradient (core/batch_rows.hpp).
  bool TakesBatchRows() const override { return true; }
  void ForwardRows(const Matrix& xt, Matrix& yt, Pass pass) override;
  void BackwardRows(const Matrix& dyt, Matrix& dxt) override;
  void UpdateRows(const Matrix& xt, const Matrix& dyt, const SgdStep& step) override;
  // Whole images (stride-1 conv layers): the direct convolution kernels.
  bool TakesImages() const override { return true; }
  void ForwardImages(const ImageConv& conv, const Matrix& x, Matrix& y, Pass pass) override;
  void BackwardImages(const ImageConv& conv, const Matrix& dy, Matrix& dx) override;
  void UpdateImages(const ImageConv& conv, const Matrix& x, const Matrix& dy, const SgdStep& step,
                    Vector& dy_sums) override;
  Matrix Weights() const override { return w_; }
  void SetWeights(const Matrix& w) override;
  void SaveState(StateMap& state) const override;
  void LoadState(const StateMap& state) override;
  // fp32/fp32 MACs and memory traffic of every GEMM since construction (energy module's
  // stated model: 4-byte weights and activations, SGD momentum = 3 MACs and 2 DRAM tensors).
  void AddEvents(energy::EventCounts& counts) const override;

 private:
  Matrix w_;         // out x in
  Matrix velocity_;  // momentum buffer, out x in
  Matrix grad_;      // workspace, out x in
  // GEMM calls and sample vectors: training forward, evaluation forward, backward, update.
  energy::GemmTally train_forward_, eval_forward_, backward_, update_;
};

// Applies W <- W - lr * v with v <- momentum * v + (g + weight_decay * W), in float.
void SgdMomentumStep(const SgdStep& step, const Matrix& grad, Matrix& w, Matrix& velocity);

// The same step with g = dy x^T computed into the workspace `grad` block by block, each
// block applied while still in cache (x: in x batch, dy: out x batch).
void SgdMomentumGemmStep(const SgdStep& step, const Matrix& dy, const Matrix& x, Matrix& grad, Matrix& w,
                         Matrix& velocity);

}  // namespace pcmsim::nn
