// A sequential network of layers (dense, conv2d, pooling, flatten, activations), built
// from a list of LayerSpecs on an input shape. Every weighted layer gets its matrix engine
// from a BackendFactory, so one network description runs on fp32, fp8 or analog tiles.
// Holds the forward activations needed by backward.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "pcmsim/nn/activation.hpp"
#include "pcmsim/nn/backend.hpp"
#include "pcmsim/nn/layer.hpp"
#include "pcmsim/nn/layer_spec.hpp"

namespace pcmsim::nn {

// Makes the backend of weighted layer number `weighted_index` (0-based, counting only dense
// and conv2d layers) of `num_weighted`, for a matrix of `outputs` x `inputs`.
using BackendFactory =
    std::function<BackendPtr(Index inputs, Index outputs, Index weighted_index, Index num_weighted)>;

class Network {
 public:
  // Checks the specs against `input` (ConfigError "model.layer[i] ..." naming the layer
  // and key) and builds the layers. Weights start at zero: call Initialize() or set them.
  Network(const TensorShape& input, std::vector<LayerSpec> specs, const BackendFactory& make);
  // The MLP shorthand: one dense layer per backend, `hidden` after all but the last
  // (linear logits). Throws DimensionError if consecutive sizes do not chain.
  Network(std::vector<BackendPtr> backends, Activation hidden);

  Network(Network&&) = default;
  Network& operator=(Network&&) = default;

  // Seeded initialisation of every weighted layer (stream "init", weighted index):
  // He-uniform when its input comes from a ReLU (for the first layer: when its own output
  // goes through one), Xavier-uniform otherwise; zero biases.
  void Initialize(std::uint64_t seed);

  // Computes and keeps activations; returns the logits (classes x batch). x must stay
  // alive until BackwardAndUpdate().
  const Matrix& Forward(const Matrix& x, Pass pass);
  // Back-propagates dL/dlogits through the layers kept by the last Forward(), updating
  // every layer's parameters (weights through its backend, bias digitally).
  void BackwardAndUpdate(const Matrix& dlogits, const SgdStep& step);

  Index NumLayers() const { return static_cast<Index>(layers_.size()); }
  Layer& layer(Index i) { return *layers_[static_cast<size_t>(i)]; }
  const Layer& layer(Index i) const { return *layers_[static_cast<size_t>(i)]; }
  // Dense and conv2d layers in order, and their graph indices.
  const std::vector<WeightedLayer*>& Weighted() const { return weighted_; }
  const std::vector<Index>& WeightedIndices() const { return weighted_index_; }
  Index NumWeighted() const { return static_cast<Index>(weighted_.size()); }
  WeightedLayer& weighted(Index k) { return *weighted_[static_cast<size_t>(k)]; }
  const WeightedLayer& weighted(Index k) const { return *weighted_[static_cast<size_t>(k)]; }

  const TensorShape& InputShape() const { return input_shape_; }
  const std::vector<LayerSpec>& Specs() const { return specs_; }
  Index Inputs() const { return input_shape_.Size(); }
  Index Outputs() const { return layers_.back()->OutputShape().Size(); }
  // Whether data of shape `s` fits the input: the same shape, or the same number of
  // features when the first layer is dense on a flat input (it flattens them).
  bool Accepts(const TensorShape& s) const;

 private:
  void Build(const BackendFactory& make);

  TensorShape input_shape_;
  std::vector<LayerSpec> specs_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<WeightedLayer*> weighted_;
  std::vector<Index> weighted_index_;
  std::vector<Matrix> acts_;   // acts_[i] = output of layer i
  Matrix delta_, delta_prev_;  // workspaces
  const Matrix* input_ = nullptr;
};

}  // namespace pcmsim::nn
