// Shared helpers of the crossbar tests: ideal options, random matrices, error measures.
#pragma once

#include "pcmsim/core/random.hpp"
#include "pcmsim/crossbar/tile_options.hpp"

namespace pcmsim::crossbar::testing {

// Every non-ideality off: infinite DAC/ADC, no clipping, no noise, no IR drop, no drift
// compensation, no bound management.
inline TileOptions IdealOptions() {
  TileOptions o;
  for (PeripheryOptions* p : {&o.forward, &o.backward}) {
    p->dac_bits = 0;
    p->adc_bits = 0;
    p->output_bound = 0.0;
    p->output_noise = 0.0;
    p->bound_management = BoundManagement::kNone;
  }
  o.read_noise = false;
  o.drift_compensation = DriftCompensation::kNone;
  return o;
}

inline Matrix RandomMatrix(Index rows, Index cols, std::uint64_t seed, double lo = -1.0, double hi = 1.0) {
  Rng rng(seed);
  Matrix m(rows, cols);
  for (Index k = 0; k < m.size(); ++k) m.data()[k] = static_cast<float>(lo + (hi - lo) * rng.Uniform());
  return m;
}

// Largest |a - b| divided by the matching entry of |W| |x| (the FP32 GEMM error scale).
inline double MaxScaledError(const Matrix& a, const Matrix& b, const Matrix& w, const Matrix& x) {
  const Matrix scale = w.cwiseAbs() * x.cwiseAbs();
  return ((a - b).array().abs() / scale.array().max(1e-30f)).maxCoeff();
}

}  // namespace pcmsim::crossbar::testing
