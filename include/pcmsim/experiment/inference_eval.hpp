// Accuracy of a network with analog layers at times after programming, with and without
// drift compensation, over repeated programming/noise draws.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "pcmsim/core/types.hpp"
#include "pcmsim/experiment/experiment.hpp"
#include "pcmsim/io/h5.hpp"
#include "pcmsim/nn/network.hpp"

namespace pcmsim::experiment {

struct AccuracyVsTime {
  std::vector<double> times_s;
  MatrixD compensated;    // repeats x times, fractions
  MatrixD uncompensated;  // repeats x times
};

// True if any layer runs on the analog backend.
bool HasAnalogLayers(const nn::Network& mlp);

// Programs every analog layer (draw r = 0..repeats-1), reads it at each time and evaluates
// `test` with compensation applied and not. `log` gets one line per draw (may be empty).
AccuracyVsTime EvaluateOverTime(nn::Network& mlp, const io::Dataset& test, const InferenceOptions& o,
                                const std::function<void(const std::string&)>& log);

// /summary/accuracy_vs_time/{time_s, mean, std, mean_uncompensated, std_uncompensated} and
// /evaluation/{time_s, accuracy_compensated, accuracy_uncompensated} (repeats x times).
void WriteAccuracyVsTime(io::H5Writer& out, const AccuracyVsTime& a);
// /summary attributes set_pulses, reset_pulses, program_pulses, verify_reads over all
// analog layers (training and inference programming).
void WritePulseCounts(io::H5Writer& out, const nn::Network& mlp);

}  // namespace pcmsim::experiment
