// Shared helpers of the nn tests.
#pragma once

#include <cstdint>
#include <vector>

#include "pcmsim/device/pcm_params.hpp"
#include "pcmsim/nn/analog_backend.hpp"
#include "pcmsim/nn/loss.hpp"
#include "pcmsim/nn/network.hpp"

namespace pcmsim::testing {

// Analog options with ideal devices and exact periphery: no DAC/ADC quantisation, no output
// bound or noise, no bound management, no read noise, no HWA weight noise; drift
// compensation as given.
inline nn::AnalogOptions IdealAnalogOptions(crossbar::DriftCompensation compensation = crossbar::DriftCompensation::kNone) {
  nn::AnalogOptions o;
  o.training = nn::AnalogTraining::kHwa;
  o.device = device::IdealParams();
  for (crossbar::PeripheryOptions* p : {&o.tile.forward, &o.tile.backward}) {
    p->dac_bits = 0;
    p->adc_bits = 0;
    p->output_bound = 0.0;
    p->output_noise = 0.0;
    p->bound_management = crossbar::BoundManagement::kNone;
  }
  o.tile.read_noise = false;
  o.tile.drift_compensation = compensation;
  o.hwa_weight_noise = 0.0;
  return o;
}

// Mean softmax cross-entropy of the evaluation pass over the batch x with labels y: the
// function the finite-difference gradient checks differentiate.
inline double MeanLoss(nn::Network& net, const Matrix& x, const std::vector<std::uint8_t>& y) {
  Matrix d;
  return nn::SoftmaxCrossEntropy(net.Forward(x, nn::Pass::kEval), y.data(), d).loss_sum /
         static_cast<double>(x.cols());
}

}  // namespace pcmsim::testing
