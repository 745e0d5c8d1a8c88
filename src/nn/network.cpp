// Building a sequential network from specs, initialisation, forward and backward.
#include "pcmsim/nn/network.hpp"

#include <boost/random/uniform_real_distribution.hpp>
#include <cmath>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/nn/conv2d_layer.hpp"
#include "pcmsim/nn/dense_layer.hpp"
#include "pcmsim/nn/pool2d_layer.hpp"
#include "pcmsim/nn/shape_layers.hpp"

namespace pcmsim::nn {

Network::Network(const TensorShape& input, std::vector<LayerSpec> specs, const BackendFactory& make)
    : input_shape_(input), specs_(std::move(specs)) {
  Build(make);
}

Network::Network(std::vector<BackendPtr> backends, Activation hidden) {
  if (backends.empty()) throw DimensionError("an MLP needs at least one layer");
  std::vector<Index> sizes{backends.front()->Inputs()};
  for (size_t i = 0; i < backends.size(); ++i) {
    if (i > 0 && backends[i]->Inputs() != backends[i - 1]->Outputs()) {
      throw DimensionError(StrCat("layer ", i, " takes ", backends[i]->Inputs(), " inputs but layer ", i - 1,
                                  " gives ", backends[i - 1]->Outputs()));
    }
    sizes.push_back(backends[i]->Outputs());
  }
  input_shape_ = {sizes.front(), 1, 1};
  specs_ = DenseChain(sizes, hidden);
  Build([&](Index, Index, Index k, Index) { return std::move(backends[static_cast<size_t>(k)]); });
}

void Network::Build(const BackendFactory& make) {
  const std::vector<TensorShape> shapes = InferShapes(input_shape_, specs_);
  Index num_weighted = 0;
  for (const LayerSpec& s : specs_) num_weighted += s.Weighted() ? 1 : 0;
  TensorShape in = input_shape_;
  for (size_t i = 0; i < specs_.size(); ++i) {
    const LayerSpec& s = specs_[i];
    const TensorShape& out = shapes[i];
    const Index k = static_cast<Index>(weighted_.size());
    const Index bias_column = s.digital_bias ? 0 : 1;  // a matrix bias widens the matrix
    switch (s.kind) {
      case LayerKind::kDense:
        layers_.push_back(std::make_unique<DenseLayer>(s, in, make(in.Size() + bias_column, s.units, k, num_weighted)));
        break;
      case LayerKind::kConv2d:
        layers_.push_back(std::make_unique<Conv2dLayer>(
            s, in, out, make(in.channels * s.kernel * s.kernel + bias_column, s.out_channels, k, num_weighted)));
        break;
      case LayerKind::kMaxPool2d:
      case LayerKind::kAvgPool2d: layers_.push_back(std::make_unique<Pool2dLayer>(s, in, out)); break;
      case LayerKind::kFlatten: layers_.push_back(std::make_unique<FlattenLayer>(s, in, out)); break;
      case LayerKind::kActivation: layers_.push_back(std::make_unique<ActivationLayer>(s, in)); break;
    }
    if (s.Weighted()) {
      weighted_.push_back(static_cast<WeightedLayer*>(layers_.back().get()));
      weighted_index_.push_back(static_cast<Index>(i));
    }
    in = out;
  }
  acts_.resize(layers_.size());
}

bool Network::Accepts(const TensorShape& s) const {
  if (s == input_shape_) return true;
  return input_shape_.Flat() && specs_.front().kind == LayerKind::kDense && s.Size() == input_shape_.Size();
}

namespace {

// The activation that follows weighted layer `w` (graph index gi): its own, or the first
// activation layer before the next weighted layer.
Activation ActivationAfter(const std::vector<LayerSpec>& specs, Index gi) {
  const LayerSpec& s = specs[static_cast<size_t>(gi)];
  if (s.activation != Activation::kIdentity) return s.activation;
  for (size_t j = static_cast<size_t>(gi) + 1; j < specs.size() && !specs[j].Weighted(); ++j) {
    if (specs[j].kind == LayerKind::kActivation) return specs[j].activation;
  }
  return Activation::kIdentity;
}

}  // namespace

void Network::Initialize(std::uint64_t seed) {
  for (size_t k = 0; k < weighted_.size(); ++k) {
    WeightedLayer& l = *weighted_[k];
    const Index in = l.Inputs(), out = l.backend().Outputs();
    const Index src = k > 0 ? weighted_index_[k - 1] : weighted_index_[k];
    const bool relu_in = ActivationAfter(specs_, src) == Activation::kRelu;
    const double fan_in = static_cast<double>(l.FanIn()), fan_out = static_cast<double>(l.FanOut());
    const double limit = relu_in ? std::sqrt(6.0 / fan_in) : std::sqrt(6.0 / (fan_in + fan_out));
    Rng rng = MakeStream(seed, "init", k);
    boost::random::uniform_real_distribution<double> u(-limit, limit);
    Matrix w(out, in);
    for (Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<float>(u(rng));
    l.SetParameters(w, Vector::Zero(out));
    l.bias_velocity().setZero();
  }
}

const Matrix& Network::Forward(const Matrix& x, Pass pass) {
  if (x.rows() != Inputs()) {
    throw DimensionError(StrCat("the network takes ", Inputs(), " features (", input_shape_.ToString(), "), got ",
                                x.rows()));
  }
  input_ = &x;
  const Matrix* in = &x;
  for (size_t i = 0; i < layers_.size(); ++i) {
    layers_[i]->Forward(*in, acts_[i], pass);
    in = &acts_[i];
  }
  return acts_.back();
}

void Network::BackwardAndUpdate(const Matrix& dlogits, const SgdStep& step) {
  PCMSIM_CHECK(input_ != nullptr, "BackwardAndUpdate() before Forward()");
  delta_ = dlogits;
  for (size_t i = layers_.size(); i-- > 0;) {
    const Matrix& x = i > 0 ? acts_[i - 1] : *input_;
    layers_[i]->Backward(x, acts_[i], delta_, i > 0 ? &delta_prev_ : nullptr, step);
    if (i > 0) std::swap(delta_, delta_prev_);
  }
}

}  // namespace pcmsim::nn
