// The description of one layer of a sequential network, as a config file ([[model.layer]]),
// the `model.layers` shorthand or an imported model gives it, and the shape check of a
// whole list of them. No arithmetic here: nn::Network builds layers from these.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pcmsim/core/shape.hpp"
#include "pcmsim/nn/activation.hpp"

namespace pcmsim::nn {

enum class LayerKind { kDense, kConv2d, kMaxPool2d, kAvgPool2d, kFlatten, kActivation };

// Config/result-file names: "dense", "conv2d", "maxpool2d", "avgpool2d", "flatten", and
// "relu", "sigmoid", "tanh" for activation layers.
std::string_view ToString(LayerKind k);

struct LayerSpec {
  LayerKind kind = LayerKind::kDense;
  // dense: output features (`units`), >= 1.
  Index units = 0;
  // conv2d: output channels, >= 1.
  Index out_channels = 0;
  // conv2d and pooling: square kernel side >= 1, stride >= 1 (pooling: 0 = the kernel),
  // zero padding on every side >= 0 (max pooling pads with -inf, average pooling with
  // zeros that count in the mean, as PyTorch's default count_include_pad).
  Index kernel = 0;
  Index stride = 1;
  Index padding = 0;
  // dense/conv2d: activation applied to the output (kIdentity = none); activation layers:
  // the function itself.
  Activation activation = Activation::kIdentity;
  // dense/conv2d: true = a digital FP32 bias added after the backend's matrix product;
  // false = the bias is one more column of the backend's weight matrix, driven by a
  // constant input of 1 (on analog tiles an extra input line, programmed, noisy and
  // drifting with the weights, as aihwkit's digital_bias = False; on fp32/fp8 it trains
  // as a weight: weight decay applies, fp8 quantises it).
  bool digital_bias = true;

  bool Weighted() const { return kind == LayerKind::kDense || kind == LayerKind::kConv2d; }
  // The name a config file uses for this layer ("conv2d", "relu", ...).
  std::string TypeName() const;

  static LayerSpec Dense(Index units, Activation a = Activation::kIdentity);
  static LayerSpec Conv2d(Index out_channels, Index kernel, Index stride = 1, Index padding = 0,
                          Activation a = Activation::kIdentity);
  static LayerSpec MaxPool2d(Index kernel, Index stride = 0, Index padding = 0);
  static LayerSpec AvgPool2d(Index kernel, Index stride = 0, Index padding = 0);
  static LayerSpec Flatten();
  static LayerSpec Act(Activation a);
};

// The effective stride of a pooling/conv spec (pooling stride 0 -> kernel).
Index EffectiveStride(const LayerSpec& s);

// Output shape of each layer for a network fed `input` (result[i] = output of layer i).
// Throws ConfigError "model.layer[i] (TYPE): key 'KEY': REASON" for zero sizes, a kernel
// larger than the padded input, padding >= kernel, a conv/pool on a flat vector, or a dense
// layer after a conv/pool output without a flatten (a dense first layer flattens the
// data itself). An empty list is an error too.
std::vector<TensorShape> InferShapes(const TensorShape& input, const std::vector<LayerSpec>& specs);

// The dense chain of the `model.layers = [in, h1, ..., out]` shorthand: `hidden` after every
// layer but the last (linear logits).
std::vector<LayerSpec> DenseChain(const std::vector<Index>& sizes, Activation hidden);

}  // namespace pcmsim::nn
