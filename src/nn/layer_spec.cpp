// Layer descriptions and the shape inference that checks a whole network before it is built.
#include "pcmsim/nn/layer_spec.hpp"

#include "pcmsim/core/error.hpp"

namespace pcmsim::nn {

std::string_view ToString(LayerKind k) {
  switch (k) {
    case LayerKind::kDense: return "dense";
    case LayerKind::kConv2d: return "conv2d";
    case LayerKind::kMaxPool2d: return "maxpool2d";
    case LayerKind::kAvgPool2d: return "avgpool2d";
    case LayerKind::kFlatten: return "flatten";
    case LayerKind::kActivation: return "activation";
  }
  return "?";
}

std::string LayerSpec::TypeName() const {
  return kind == LayerKind::kActivation ? std::string(nn::ToString(activation)) : std::string(nn::ToString(kind));
}

LayerSpec LayerSpec::Dense(Index units, Activation a) {
  LayerSpec s;
  s.kind = LayerKind::kDense;
  s.units = units;
  s.activation = a;
  return s;
}
LayerSpec LayerSpec::Conv2d(Index out_channels, Index kernel, Index stride, Index padding, Activation a) {
  LayerSpec s;
  s.kind = LayerKind::kConv2d;
  s.out_channels = out_channels;
  s.kernel = kernel;
  s.stride = stride;
  s.padding = padding;
  s.activation = a;
  return s;
}
LayerSpec LayerSpec::MaxPool2d(Index kernel, Index stride, Index padding) {
  LayerSpec s;
  s.kind = LayerKind::kMaxPool2d;
  s.kernel = kernel;
  s.stride = stride;
  s.padding = padding;
  return s;
}
LayerSpec LayerSpec::AvgPool2d(Index kernel, Index stride, Index padding) {
  LayerSpec s = MaxPool2d(kernel, stride, padding);
  s.kind = LayerKind::kAvgPool2d;
  return s;
}
LayerSpec LayerSpec::Flatten() {
  LayerSpec s;
  s.kind = LayerKind::kFlatten;
  return s;
}
LayerSpec LayerSpec::Act(Activation a) {
  LayerSpec s;
  s.kind = LayerKind::kActivation;
  s.activation = a;
  return s;
}

Index EffectiveStride(const LayerSpec& s) {
  const bool pool = s.kind == LayerKind::kMaxPool2d || s.kind == LayerKind::kAvgPool2d;
  return pool && s.stride == 0 ? s.kernel : s.stride;
}

namespace {

[[noreturn]] void Fail(size_t i, const LayerSpec& s, std::string_view key, const std::string& reason) {
  throw ConfigError(StrCat("model.layer[", i, "] (", s.TypeName(), "): key '", key, "': ", reason));
}

// Output side of a window op; checks the kernel against the padded input.
Index WindowOut(size_t i, const LayerSpec& s, Index side, const TensorShape& in) {
  const Index stride = EffectiveStride(s);
  if (s.kernel < 1) Fail(i, s, "kernel", StrCat(s.kernel, " must be >= 1"));
  if (stride < 1) Fail(i, s, "stride", StrCat(s.stride, " must be >= 1"));
  if (s.padding < 0) Fail(i, s, "padding", StrCat(s.padding, " must be >= 0"));
  if (s.padding >= s.kernel) {
    Fail(i, s, "padding", StrCat(s.padding, " must be smaller than the kernel (", s.kernel, ")"));
  }
  if (s.kernel > side + 2 * s.padding) {
    Fail(i, s, "kernel", StrCat(s.kernel, " is larger than the input ", in.ToString(), " plus padding ", s.padding));
  }
  return (side + 2 * s.padding - s.kernel) / stride + 1;
}

}  // namespace

std::vector<TensorShape> InferShapes(const TensorShape& input, const std::vector<LayerSpec>& specs) {
  if (specs.empty()) throw ConfigError("model.layer: a network needs at least one layer");
  if (input.Size() < 1) throw ConfigError(StrCat("model: input shape ", input.ToString(), " is empty"));
  std::vector<TensorShape> out;
  TensorShape cur = input;
  bool from_data = true;  // cur is the data itself (a dense layer may flatten it)
  for (size_t i = 0; i < specs.size(); ++i) {
    const LayerSpec& s = specs[i];
    TensorShape next = cur;
    switch (s.kind) {
      case LayerKind::kDense:
        if (s.units < 1) Fail(i, s, "units", StrCat(s.units, " must be >= 1"));
        if (!cur.Flat() && !from_data) {
          Fail(i, s, "type", StrCat("a dense layer after an output of shape ", cur.ToString(),
                                    " needs a flatten layer before it"));
        }
        next = {s.units, 1, 1};
        break;
      case LayerKind::kConv2d:
      case LayerKind::kMaxPool2d:
      case LayerKind::kAvgPool2d:
        if (s.kind == LayerKind::kConv2d && s.out_channels < 1) {
          Fail(i, s, "out_channels", StrCat(s.out_channels, " must be >= 1"));
        }
        if (cur.Flat() && cur.channels > 1 && !from_data) {
          Fail(i, s, "type", StrCat("needs an image (channels x height x width), the input is a flat vector of ",
                                    cur.channels));
        }
        next.height = WindowOut(i, s, cur.height, cur);
        next.width = WindowOut(i, s, cur.width, cur);
        if (s.kind == LayerKind::kConv2d) next.channels = s.out_channels;
        break;
      case LayerKind::kFlatten: next = {cur.Size(), 1, 1}; break;
      case LayerKind::kActivation:
        if (s.activation == Activation::kIdentity) Fail(i, s, "type", "an activation layer needs a function");
        break;
    }
    out.push_back(next);
    cur = next;
    if (s.kind != LayerKind::kActivation) from_data = false;
  }
  return out;
}

std::vector<LayerSpec> DenseChain(const std::vector<Index>& sizes, Activation hidden) {
  std::vector<LayerSpec> specs;
  for (size_t i = 1; i < sizes.size(); ++i) {
    specs.push_back(LayerSpec::Dense(sizes[i], i + 1 == sizes.size() ? Activation::kIdentity : hidden));
  }
  return specs;
}

}  // namespace pcmsim::nn
