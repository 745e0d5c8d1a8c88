// Maps an imported ONNX chain onto nn::LayerSpecs, one imported layer at a time, checking
// the shapes after each so an error names the ONNX node that caused it.
#include "pcmsim/experiment/onnx_model.hpp"

#include <optional>

#include "pcmsim/core/error.hpp"
#include "pcmsim/experiment/experiment.hpp"

namespace pcmsim::experiment {
namespace {

[[noreturn]] void Unsupported(const io::ImportedModel& m, const io::ImportedLayer& l, const std::string& why) {
  throw ConfigError(StrCat(m.source, ": node '", l.node, "' (", l.op_type, "): ", why));
}

std::optional<nn::Activation> ActivationOf(io::ImportedKind k) {
  switch (k) {
    case io::ImportedKind::kRelu: return nn::Activation::kRelu;
    case io::ImportedKind::kSigmoid: return nn::Activation::kSigmoid;
    case io::ImportedKind::kTanh: return nn::Activation::kTanh;
    default: return std::nullopt;
  }
}

TensorShape ToTensorShape(const io::ImportedShape& s) {
  if (s.size() == 1) return {s[0], 1, 1};
  return {s[0], s[1], s[2]};
}

// The square window of a conv/pool layer, or an error naming the node.
void SquareWindow(const io::ImportedModel& m, const io::ImportedLayer& l) {
  if (l.kernel_h != l.kernel_w) Unsupported(m, l, StrCat("kernel ", l.kernel_h, "x", l.kernel_w, " is not square"));
  if (l.stride_h != l.stride_w) Unsupported(m, l, StrCat("strides ", l.stride_h, " and ", l.stride_w, " differ"));
  if (l.pad_h != l.pad_w) Unsupported(m, l, StrCat("pads ", l.pad_h, " and ", l.pad_w, " differ"));
}

struct Mapped {
  std::vector<nn::LayerSpec> specs;
  std::vector<const io::ImportedLayer*> weighted;  // imported layer of each weighted spec
};

Mapped Map(const io::ImportedModel& m) {
  Mapped out;
  const TensorShape input = ToTensorShape(m.input_shape);
  for (size_t k = 0; k < m.layers.size(); ++k) {
    const io::ImportedLayer& l = m.layers[k];
    const bool first_dense_next = k + 1 < m.layers.size() && m.layers[k + 1].kind == io::ImportedKind::kDense;
    switch (l.kind) {
      case io::ImportedKind::kFlatten:
        if (out.specs.empty() && first_dense_next) continue;  // the first dense layer flattens
        out.specs.push_back(nn::LayerSpec::Flatten());
        break;
      case io::ImportedKind::kDense:
        out.specs.push_back(nn::LayerSpec::Dense(l.weights.rows()));
        out.weighted.push_back(&l);
        break;
      case io::ImportedKind::kConv2d:
        SquareWindow(m, l);
        out.specs.push_back(nn::LayerSpec::Conv2d(l.out_channels, l.kernel_h, l.stride_h, l.pad_h));
        out.weighted.push_back(&l);
        break;
      case io::ImportedKind::kMaxPool2d:
        SquareWindow(m, l);
        out.specs.push_back(nn::LayerSpec::MaxPool2d(l.kernel_h, l.stride_h, l.pad_h));
        break;
      case io::ImportedKind::kAvgPool2d:
        SquareWindow(m, l);
        if (l.pad_h > 0 && !l.count_include_pad) {
          Unsupported(m, l, "padding with count_include_pad = 0 is not supported (the layer graph's average pooling "
                            "counts padded zeros, as PyTorch's default count_include_pad=True)");
        }
        out.specs.push_back(nn::LayerSpec::AvgPool2d(l.kernel_h, l.stride_h, l.pad_h));
        break;
      case io::ImportedKind::kRelu:
      case io::ImportedKind::kSigmoid:
      case io::ImportedKind::kTanh: {
        const nn::Activation a = *ActivationOf(l.kind);
        nn::LayerSpec* prev = out.specs.empty() ? nullptr : &out.specs.back();
        if (prev && prev->Weighted() && prev->activation == nn::Activation::kIdentity) {
          prev->activation = a;  // as the shorthand builds it: same layer indices in result files
          continue;
        }
        out.specs.push_back(nn::LayerSpec::Act(a));
        break;
      }
    }
    // Shapes so far, so that an error names this node.
    try {
      nn::InferShapes(input, out.specs);
    } catch (const ConfigError& e) {
      Unsupported(m, l, e.what());
    }
  }
  return out;
}

}  // namespace

void ArchitectureFromOnnx(const io::ImportedModel& m, ModelOptions& model) {
  model.specs = Map(m).specs;
  model.input = ToTensorShape(m.input_shape);
}

void LoadOnnxWeights(const io::ImportedModel& m, nn::Network& net) {
  const Mapped mapped = Map(m);
  PCMSIM_CHECK(static_cast<Index>(mapped.weighted.size()) == net.NumWeighted(), "network not built from ", m.source);
  for (Index k = 0; k < net.NumWeighted(); ++k) {
    nn::WeightedLayer& layer = net.weighted(k);
    const io::ImportedLayer& l = *mapped.weighted[static_cast<size_t>(k)];
    PCMSIM_CHECK(layer.backend().Outputs() == l.weights.rows() && layer.Inputs() == l.weights.cols(),
                 "layer ", k, " of ", m.source);
    layer.SetParameters(l.weights, l.bias);
  }
}

}  // namespace pcmsim::experiment
