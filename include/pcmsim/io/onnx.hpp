// Networks brought in from outside: reads an ONNX model as PyTorch exports it (opset 11-17)
// into a neutral, sequential description of layers with their weights. Anything the layer
// graph cannot express is an error naming the file, the node, its op type and why.
//
// Supported: Gemm, MatMul (+ Add of a bias), Conv (2-D, symmetric pads, no dilation,
// group 1), Relu, Sigmoid, Tanh, MaxPool, AveragePool, Pad with zeros (folded into the Conv
// or AveragePool after it, as torch.onnx.export writes AvgPool2d), Flatten / Reshape to one
// vector per sample, Identity / Dropout (no-ops at inference), Constant (feeding Reshape), and
// Softmax / LogSoftmax as the last node (dropped: pcmsim works on logits).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "pcmsim/core/types.hpp"

namespace pcmsim::io {

enum class ImportedKind { kDense, kConv2d, kMaxPool2d, kAvgPool2d, kFlatten, kRelu, kSigmoid, kTanh };
const char* ImportedKindName(ImportedKind kind);  // "dense", "conv2d", ..., "relu"

// Per-sample shape of a tensor, batch dimension excluded: {features} for a vector,
// {channels, height, width} for an image.
using ImportedShape = std::vector<Index>;
std::string ShapeText(const ImportedShape& s);  // "[1, 28, 28]"

struct ImportedLayer {
  ImportedKind kind = ImportedKind::kDense;
  std::string node;     // ONNX node name (or "#k" when unnamed), for messages
  std::string op_type;  // ONNX op it came from ("Gemm", "MatMul", "Conv", ...)
  ImportedShape in_shape, out_shape;

  // dense: out x in. conv2d: out_channels x (in_channels * kernel_h * kernel_w), columns in
  // (channel, kernel row, kernel column) order with the column fastest, i.e. PyTorch's
  // weight[o].flatten(). Empty for layers without weights.
  Matrix weights;
  Vector bias;  // out (or out_channels); zeros when the model has none

  // conv2d and pools.
  Index in_channels = 0, out_channels = 0;
  Index kernel_h = 0, kernel_w = 0, stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
  bool count_include_pad = false;  // avgpool2d: padded cells count in the divisor
};

struct ImportedModel {
  std::string source;   // file name (or buffer name) it was read from
  std::string producer; // producer_name and version, e.g. "pytorch 1.13.1"
  std::int64_t opset = 0;
  ImportedShape input_shape;
  std::vector<ImportedLayer> layers;
  Index Outputs() const;  // number of logits
};

// Reads `path`. Throws IoError: unreadable file, malformed protobuf (truncated, bad wire
// types), or a model outside the supported subset.
ImportedModel ReadOnnx(const std::filesystem::path& path);

// Same from a buffer; `name` stands for the file in messages (fuzzing entry point).
ImportedModel ParseOnnx(std::span<const std::uint8_t> bytes, const std::string& name);

}  // namespace pcmsim::io
