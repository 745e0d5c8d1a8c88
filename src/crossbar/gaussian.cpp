// Vectorised Box-Muller: uniforms from the engine, transcendental functions in Eigen packets.
#include "pcmsim/crossbar/gaussian.hpp"

#include <algorithm>
#include <cstdint>
#include <numbers>

namespace pcmsim::crossbar {

void FillGaussian(Rng& rng, float* out, Index n, ArrayF& scratch) {
  if (n <= 0) return;
  const Index half = (n + 1) / 2;
  // Three segments, each starting on a 64-byte boundary, so Eigen's packet/scalar split
  // (and hence every bit of the result) depends on n only, never on `out`'s alignment.
  const Index seg = (half + 15) / 16 * 16;
  scratch.resize(3 * seg);
  float* u = scratch.data();
  constexpr float kScale = 0x1.0p-24f;
  for (Index k = 0; k < half; ++k) {
    const std::uint64_t r = rng();
    // Two 24-bit integers -> uniforms in (0, 1): (i + 0.5) / 2^24.
    u[k] = (static_cast<float>(r >> 40) + 0.5f) * kScale;
    u[seg + k] = (static_cast<float>((r >> 8) & 0xFFFFFFu) + 0.5f) * kScale;
  }
  auto radius = scratch.segment(0, half);
  auto angle = scratch.segment(seg, half);
  auto first = scratch.segment(2 * seg, half);
  const float two_pi = 2.0f * std::numbers::pi_v<float>;
  radius = (-2.0f * radius.log()).sqrt();
  angle *= two_pi;
  first = radius * angle.cos();
  angle = radius * angle.sin();
  std::copy_n(first.data(), half, out);
  std::copy_n(angle.data(), n - half, out + half);
}

}  // namespace pcmsim::crossbar
