// Maps an imported ONNX chain onto the network: dense layers with one hidden activation
// (what nn::Mlp expresses); a leading Flatten of an image input is the identity on the
// features x batch data.
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

// The dense layers in order; checks the chain is dense (activation dense)* with one hidden
// activation and linear logits.
std::vector<const io::ImportedLayer*> DenseChain(const io::ImportedModel& m, nn::Activation& hidden) {
  std::vector<const io::ImportedLayer*> dense;
  std::optional<nn::Activation> act;
  bool expect_activation = false;
  for (size_t k = 0; k < m.layers.size(); ++k) {
    const io::ImportedLayer& l = m.layers[k];
    if (l.kind == io::ImportedKind::kFlatten && k == 0) continue;
    if (l.kind == io::ImportedKind::kDense) {
      if (expect_activation) {
        Unsupported(m, l, StrCat("follows the dense layer '", dense.back()->node,
                                 "' without an activation; this network needs one after every hidden layer"));
      }
      dense.push_back(&l);
      expect_activation = true;
      continue;
    }
    if (const auto a = ActivationOf(l.kind)) {
      if (!expect_activation) Unsupported(m, l, "an activation must follow a dense layer");
      if (act && *act != *a) {
        Unsupported(m, l, StrCat("hidden activations differ (", nn::ToString(*act), " then ", nn::ToString(*a),
                                 "); one activation for all hidden layers is supported"));
      }
      act = a;
      expect_activation = false;
      continue;
    }
    Unsupported(m, l, StrCat(io::ImportedKindName(l.kind), " layers are not supported by the dense network"));
  }
  if (!expect_activation) {
    const io::ImportedLayer& last = m.layers.back();
    Unsupported(m, last, "the last layer must be a dense layer giving the logits (no activation after it)");
  }
  hidden = act.value_or(nn::Activation::kRelu);
  return dense;
}

}  // namespace

void ArchitectureFromOnnx(const io::ImportedModel& m, ModelOptions& model) {
  nn::Activation hidden = nn::Activation::kRelu;
  const auto dense = DenseChain(m, hidden);
  model.layers = {dense.front()->weights.cols()};
  for (const io::ImportedLayer* l : dense) model.layers.push_back(l->weights.rows());
  model.activation = hidden;
}

void LoadOnnxWeights(const io::ImportedModel& m, nn::Network& net) {
  nn::Activation hidden = nn::Activation::kRelu;
  const auto dense = DenseChain(m, hidden);
  PCMSIM_CHECK(static_cast<Index>(dense.size()) == net.NumWeighted(), "network not built from ", m.source);
  for (Index i = 0; i < net.NumWeighted(); ++i) {
    nn::WeightedLayer& layer = net.weighted(i);
    const io::ImportedLayer& l = *dense[static_cast<size_t>(i)];
    PCMSIM_CHECK(layer.backend().Outputs() == l.weights.rows() && layer.backend().Inputs() == l.weights.cols());
    layer.backend().SetWeights(l.weights);
    layer.bias() = l.bias;
  }
}

}  // namespace pcmsim::experiment
