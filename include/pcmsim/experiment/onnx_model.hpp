// `model.onnx = "net.onnx"`: the architecture and the weights of an experiment's network
// taken from an ONNX file (io::ReadOnnx), mapped onto what the network code can build.
#pragma once

#include "pcmsim/io/onnx.hpp"
#include "pcmsim/nn/network.hpp"

namespace pcmsim::experiment {

struct ModelOptions;

// Sets the architecture keys of `model` (layer sizes, hidden activation) from `m`. Throws
// ConfigError naming the file, the node and its op type when the network code cannot
// express a layer of it.
void ArchitectureFromOnnx(const io::ImportedModel& m, ModelOptions& model);

// Copies the imported weights and biases into a network built from that architecture.
void LoadOnnxWeights(const io::ImportedModel& m, nn::Network& net);

}  // namespace pcmsim::experiment
