// A stride-1 2-d convolution computed on the images themselves, with no patch matrix: the
// FP32 path of every stride-1 conv layer. im2col turns LeNet's 1x28x28 input into a 25x784
// patch matrix, 25 times the input, and for thin layers (conv1: 6 output channels) moving
// it cost more than the products; here each kernel tap is a shift of the padded image.
//
// Layout ("wide rows"): a sample's zero-padded input channel is a plane of Hp x Wp floats
// (Hp = height + 2 padding, Wp = width + 2 padding), and output pixel (oy, ox) is computed
// at wide position q = oy * Wp + ox, so tap (c, ky, kx) of every output reads the plane of
// channel c shifted by ky * Wp + kx: one contiguous vector load per 16 outputs. The
// Wp - out_w positions at the end of each wide row are not outputs and are dropped (a
// share (kernel - 1) / Wp of the forward's and the weight gradient's work: 4 / 32 for
// conv1; the input gradient computes every position of the padded plane, 1024 for conv1's
// 784 pixels).
//
// Non-finite inputs: at a dropped position dy is 0 but the shifted load of x reads a real
// pixel of the next row, so an Inf or NaN input makes NaN (0 x Inf) also in weight-gradient
// taps whose windows never cover it, where im2col would have left them finite. Training
// stops on the non-finite loss such an input gives anyway (nn/trainer.cpp); masking the
// products would cost a select per multiply-add.
//
// Weights are out_channels x Taps() (+1 ones column), columns in (channel, kernel row,
// kernel column) order: the conv layer's backend matrix. Images are the layer's layout:
// one column per sample, channel-major, each channel's pixels in raster order.
// Every split is by samples in fixed chunks, so the bits are the same for any thread count;
// every multiply-add is one fused multiply-add.
#pragma once

#include "pcmsim/core/types.hpp"

namespace pcmsim {

struct ImageConv {
  Index channels = 1, height = 1, width = 1;  // input of one sample
  Index kernel = 1, padding = 0;              // square kernel, stride 1
  Index out_channels = 1;
  bool ones_column = false;  // the weights' last column multiplies a constant 1 (a matrix bias)

  Index OutHeight() const { return height + 2 * padding - kernel + 1; }
  Index OutWidth() const { return width + 2 * padding - kernel + 1; }
  Index Taps() const { return channels * kernel * kernel; }
  Index WeightColumns() const { return Taps() + (ones_column ? 1 : 0); }
  Index InputSize() const { return channels * height * width; }
  Index OutputSize() const { return out_channels * OutHeight() * OutWidth(); }
  // Throws DimensionError for zero sizes or a kernel larger than the padded input.
  void Validate() const;
};

// One image of `channels` planes of height x width floats (raster order) into planes of
// `plane_stride` (>= (height + 2 padding) x (width + 2 padding)) floats at out: each plane
// holds its channel with `padding` zeros around it, rows of width + 2 padding, and zeros
// after. The padded input of the direct kernels and of im2col.
void PadImage(const float* x, Index channels, Index height, Index width, Index padding, Index plane_stride,
              float* out);

// y (OutputSize() x batch) = the convolution of x (InputSize() x batch) with w. Each output
// is 0 plus its taps' products in column order, then the ones column: the order (and the
// bits) of TallGemm on im2col patches with the batch along the rows.
void DirectConvForward(const ImageConv& g, const Matrix& w, const Matrix& x, Matrix& y);

// Samples per chunk of the weight gradient's sums.
inline constexpr Index kConvSampleChunk = 4;

// dw (out_channels x WeightColumns()) = sum over samples and output pixels of dy times the
// input window of that pixel (the ones column: the sums of dy), and sums(o) = the sum of
// output channel o of dy (the gradient of a digital bias). Order: the samples are cut into
// chunks of kConvSampleChunk; within a chunk each entry is summed in 16 lanes, wide
// position q in lane q mod 16, samples in order, and the lanes are added as a fixed
// pairwise tree; the chunk sums are added in chunk order.
void DirectConvWeightGradient(const ImageConv& g, const Matrix& x, const Matrix& dy, Matrix& dw, Vector& sums);

// dx (InputSize() x batch) = the adjoint of DirectConvForward applied to dy (the ones
// column has no input). Each input element is 0 plus its terms over (output channel,
// kernel row, kernel column) in that order.
void DirectConvInputGradient(const ImageConv& g, const Matrix& w, const Matrix& dy, Matrix& dx);

}  // namespace pcmsim
