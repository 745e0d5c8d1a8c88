// A 2-d convolution as one matrix product: the weights are an out_channels x
// (in_channels * k * k) matrix in the layer's backend (row layout: channel, kernel row,
// kernel column, as PyTorch's weight tensor flattened), fed the im2col patches of the
// batch as columns (one column per sample and output pixel). On analog tiles this is one
// tile MVM per output pixel. A backend that takes images (FP32) convolves the images
// directly when the stride is 1 (core/direct_conv.hpp: no patches); one that takes batch
// rows (FP32 again) gets the transposed patches of a strided layer that is thin (fewer than
// 16 output channels), where the thin products run as tall ones.
#pragma once

#include "pcmsim/core/direct_conv.hpp"
#include "pcmsim/nn/layer.hpp"

namespace pcmsim::nn {

// Window geometry of a conv or pooling layer on one input.
struct Window {
  TensorShape in;       // input of one sample
  Index kernel = 1, stride = 1, padding = 0;
  Index out_h = 1, out_w = 1;  // output side lengths
  Index Pixels() const { return out_h * out_w; }
  Index PatchRows() const { return in.channels * kernel * kernel; }
  static Window Of(const LayerSpec& spec, const TensorShape& in, const TensorShape& out);
};

// patches: PatchRows() x (batch * Pixels()); column b * Pixels() + (oy * out_w + ox) holds
// the window of sample b at that output pixel (zeros where it covers padding); with
// `ones_row` one more row of ones (the input line of a matrix bias).
void Im2Col(const Window& w, const Matrix& x, Matrix& patches, bool ones_row = false);
// The adjoint: dx (in.Size() x batch) = sum of every patch column's entries back onto the
// input pixels they came from (a last ones-row gradient, PatchRows() + 1 rows, is ignored).
// Each input element is 0 plus its terms in the raster order of the output pixels (the
// documented summation order; the bits do not depend on the thread count).
void Col2Im(const Window& w, const Matrix& patches, Index batch, Matrix& dx);

// The same patches with the batch along the rows (core/batch_rows.hpp): patches_t is
// (batch * Pixels()) x PatchRows() (+1 ones column), Im2ColRows gives Im2Col's transpose
// and Col2ImRows(w, patches_t) equals Col2Im(w, patches_t^T) bit for bit (same order).
void Im2ColRows(const Window& w, const Matrix& x, Matrix& patches_t, bool ones_column = false);
void Col2ImRows(const Window& w, const Matrix& patches_t, Index batch, Matrix& dx);

class Conv2dLayer final : public WeightedLayer {
 public:
  Conv2dLayer(LayerSpec spec, TensorShape input, TensorShape output, BackendPtr backend);
  void Forward(const Matrix& x, Matrix& y, Pass pass) override;
  void Backward(const Matrix& x, const Matrix& y, Matrix& dy, Matrix* dx, const SgdStep& step) override;
  Index FanIn() const override { return window_.PatchRows(); }
  Index FanOut() const override { return Spec().out_channels * Spec().kernel * Spec().kernel; }
  const Window& window() const { return window_; }
  const ImageConv& image() const { return image_; }  // the geometry the direct kernels get

 private:
  Window window_;
  ImageConv image_;      // the same geometry for the direct kernels
  bool direct_;          // the backend convolves the images (stride 1): no matrix below is used
  bool rows_;            // batch rows (backend takes them, thin layer): every matrix below transposed
  Matrix patches_;       // im2col of the last forward's input
  Matrix cols_, dcols_;  // out_ch x (batch * pixels): backend output / its gradient
  Matrix dpatches_;      // gradient with respect to patches_
};

}  // namespace pcmsim::nn
