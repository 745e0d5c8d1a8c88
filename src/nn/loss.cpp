// Softmax cross-entropy and the argmax count.
#include "pcmsim/nn/loss.hpp"

#include <cmath>

#include "pcmsim/core/error.hpp"

namespace pcmsim::nn {

LossResult SoftmaxCrossEntropy(const Matrix& logits, const std::uint8_t* labels, Matrix& dlogits) {
  const Index classes = logits.rows(), batch = logits.cols();
  dlogits.resize(classes, batch);
  LossResult r;
  const float inv_batch = 1.0f / static_cast<float>(batch);
  for (Index j = 0; j < batch; ++j) {
    Index arg = 0;
    const float m = logits.col(j).maxCoeff(&arg);
    auto e = (logits.col(j).array() - m).exp();
    const float sum = e.sum();
    const Index y = labels[j];
    PCMSIM_CHECK(y < classes, "label ", y, " >= number of outputs ", classes);
    r.loss_sum += std::log(static_cast<double>(sum)) - static_cast<double>(logits(y, j) - m);
    r.correct += arg == y ? 1 : 0;
    dlogits.col(j) = e / sum * inv_batch;
    dlogits(y, j) -= inv_batch;
  }
  return r;
}

Index CountCorrect(const Matrix& logits, const std::uint8_t* labels) {
  Index correct = 0;
  for (Index j = 0; j < logits.cols(); ++j) {
    Index arg = 0;
    logits.col(j).maxCoeff(&arg);
    correct += arg == labels[j] ? 1 : 0;
  }
  return correct;
}

}  // namespace pcmsim::nn
