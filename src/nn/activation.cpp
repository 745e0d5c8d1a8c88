// Activation functions written with Eigen array expressions (vectorised).
#include "pcmsim/nn/activation.hpp"

#include "pcmsim/core/error.hpp"

namespace pcmsim::nn {

std::string_view ToString(Activation a) {
  switch (a) {
    case Activation::kRelu: return "relu";
    case Activation::kSigmoid: return "sigmoid";
    case Activation::kTanh: return "tanh";
    case Activation::kIdentity: return "identity";
  }
  return "?";
}

Activation ActivationFromString(std::string_view name) {
  for (Activation a : {Activation::kRelu, Activation::kSigmoid, Activation::kTanh, Activation::kIdentity})
    if (ToString(a) == name) return a;
  throw ConfigError(StrCat("activation '", name, "' is not one of: relu, sigmoid, tanh, identity"));
}

void ApplyActivation(Activation a, Matrix& z) {
  auto arr = z.array();
  switch (a) {
    case Activation::kRelu: arr = arr.max(0.0f); break;
    case Activation::kSigmoid: arr = 1.0f / (1.0f + (-arr).exp()); break;
    case Activation::kTanh: arr = arr.tanh(); break;
    case Activation::kIdentity: break;
  }
}

void ActivationBackward(Activation a, const Matrix& y, Matrix& grad) {
  auto g = grad.array();
  const auto ya = y.array();
  switch (a) {
    case Activation::kRelu: g = (ya > 0.0f).select(g, 0.0f); break;
    case Activation::kSigmoid: g *= ya * (1.0f - ya); break;
    case Activation::kTanh: g *= 1.0f - ya.square(); break;
    case Activation::kIdentity: break;
  }
}

}  // namespace pcmsim::nn
