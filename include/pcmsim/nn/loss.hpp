// The training loss on the logits (classes x batch) and the argmax count.
#pragma once

#include <cstdint>

#include "pcmsim/core/types.hpp"

namespace pcmsim::nn {

// Mean softmax cross-entropy over the batch; writes dL/dlogits (already divided by the
// batch size) and returns {loss sum, number of correct argmax predictions}.
struct LossResult {
  double loss_sum = 0;
  Index correct = 0;
};
LossResult SoftmaxCrossEntropy(const Matrix& logits, const std::uint8_t* labels, Matrix& dlogits);

// Number of columns whose argmax equals the label.
Index CountCorrect(const Matrix& logits, const std::uint8_t* labels);

}  // namespace pcmsim::nn
