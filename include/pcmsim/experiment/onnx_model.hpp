// `model.onnx = "net.onnx"`: the architecture and the weights of an experiment's network
// taken from an ONNX file (io::ReadOnnx), mapped onto nn::Network layer specs.
#pragma once

#include "pcmsim/io/onnx.hpp"
#include "pcmsim/nn/network.hpp"

namespace pcmsim::experiment {

struct ModelOptions;

// Sets model.specs and model.input from `m`: an activation right after a dense/conv layer
// becomes that layer's activation option (as the model.layers shorthand builds it), a
// Flatten in front of a first dense layer is dropped (a dense first layer flattens its
// input). Throws ConfigError "FILE: node 'NAME' (OP): REASON" for what the layer graph
// cannot express (non-square kernels, unequal strides or pads, average pooling that
// excludes padding, a shape the layers reject).
void ArchitectureFromOnnx(const io::ImportedModel& m, ModelOptions& model);

// Copies the imported weights (dense out x in, conv out_ch x (in_ch, kh, kw): the layouts
// the network's backends use) and biases into a network built from that architecture.
void LoadOnnxWeights(const io::ImportedModel& m, nn::Network& net);

}  // namespace pcmsim::experiment
