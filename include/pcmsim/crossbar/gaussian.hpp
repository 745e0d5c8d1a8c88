// Fast standard-normal fill for per-MVM noise: Box-Muller on 24-bit uniforms from one
// xoshiro stream, evaluated with Eigen's vectorised log/sin/cos into a caller's buffer.
#pragma once

#include "pcmsim/core/random.hpp"
#include "pcmsim/core/types.hpp"

namespace pcmsim::crossbar {

// Fills out[0..n) with independent N(0, 1) samples. Consumes ceil(n/2) engine outputs;
// the result depends only on the engine state and n. Tails are cut at |z| <= 5.9
// (u1 >= 2^-25), a probability of ~4e-9 per sample. `scratch` is resized as needed
// (reuse it across calls to avoid allocation).
void FillGaussian(Rng& rng, float* out, Index n, ArrayF& scratch);

}  // namespace pcmsim::crossbar
