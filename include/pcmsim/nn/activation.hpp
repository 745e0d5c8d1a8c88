// Element-wise activation functions and their derivatives, applied in place on
// features x batch matrices.
#pragma once

#include <string_view>

#include "pcmsim/core/types.hpp"

namespace pcmsim::nn {

enum class Activation { kRelu, kSigmoid, kTanh, kIdentity };

std::string_view ToString(Activation a);
// Throws ConfigError listing the valid names.
Activation ActivationFromString(std::string_view name);

// z <- f(z).
void ApplyActivation(Activation a, Matrix& z);
// grad <- grad * f'(z), given the activation output y = f(z) (all four are expressible in y).
void ActivationBackward(Activation a, const Matrix& y, Matrix& grad);

}  // namespace pcmsim::nn
