// ONNX reader: io::ParseOnnx on the raw input (memory buffer), the protobuf wire decoder
// and the lowering onto a layer chain. Properties checked beyond "no crash": in a model
// that reads, the layers chain (each input shape is the previous output shape, the first
// is the model's input), every weight matrix fits its layer's shapes, and the model ends
// in a vector of at least one score.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "pcmsim/core/error.hpp"
#include "pcmsim/io/onnx.hpp"

using namespace pcmsim;

namespace {

Index Size(const io::ImportedShape& s) {
  Index n = 1;
  for (Index d : s) n *= d;
  return n;
}

void Check(const io::ImportedModel& m) {
  if (m.layers.empty()) std::abort();
  io::ImportedShape prev = m.input_shape;
  for (const io::ImportedLayer& l : m.layers) {
    if (l.in_shape != prev) std::abort();
    if (l.kind == io::ImportedKind::kDense) {
      if (l.weights.cols() != Size(l.in_shape) || l.weights.rows() != Size(l.out_shape)) std::abort();
      if (l.bias.size() != l.weights.rows()) std::abort();
    }
    if (l.kind == io::ImportedKind::kConv2d) {
      if (l.weights.rows() != l.out_channels || l.weights.cols() != l.in_channels * l.kernel_h * l.kernel_w) std::abort();
      if (l.out_shape.size() != 3 || l.out_shape[0] != l.out_channels) std::abort();
    }
    prev = l.out_shape;
  }
  if (prev.size() != 1 || prev[0] < 1 || m.Outputs() != prev[0]) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  try {
    Check(io::ParseOnnx(std::span<const std::uint8_t>(data, size), "fuzz.onnx"));
  } catch (const Error&) {
    // malformed or unsupported: the expected outcome
  }
  return 0;
}
