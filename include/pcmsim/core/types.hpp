// Numeric types shared by all modules. Activations are features x batch (one sample per
// column), weights are out x in, so a layer computes Y = W X as a crossbar does.
#pragma once

#include <Eigen/Core>
#include <cstdint>

namespace pcmsim {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic>;
using Vector = Eigen::Matrix<float, Eigen::Dynamic, 1>;
using MatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic>;
using VectorD = Eigen::Matrix<double, Eigen::Dynamic, 1>;
using ArrayF = Eigen::Array<float, Eigen::Dynamic, 1>;
using ArrayD = Eigen::Array<double, Eigen::Dynamic, 1>;
using Index = Eigen::Index;

}  // namespace pcmsim
