// RoundArray: the vector rounding kernels applied to contiguous float arrays.
#include "pcmsim/numerics/round_array.hpp"

#include <cmath>
#include <limits>

#include "pcmsim/core/random.hpp"
#include "pcmsim/numerics/convert.hpp"
#include "round_kernels.hpp"

namespace pcmsim::numerics {
namespace internal {

RoundConstants MakeRoundConstants(const FloatFormat& f) {
  RoundConstants c;
  const int m = f.mantissa_bits;
  if (!f.FitsFloat32()) return c;
  const bool float_range = f.exponent_bits == 8 && f.bias == 127 && f.specials == Specials::kIeee;
  const bool magic_range = f.MinExponent() >= -126 && m <= 21 && f.MaxExponent() + 151 - m <= 254;
  if (float_range && f.subnormals) {
    c.path = FastPath::kBits;
  } else if (magic_range) {
    c.path = FastPath::kMagic;
  } else {
    return c;
  }
  c.shift = 23 - m;
  c.emin_biased = static_cast<std::uint32_t>(f.MinExponent() + 127);
  c.emax_clamp = static_cast<std::uint32_t>(f.MaxExponent() + 1 + 127);
  c.max_finite = static_cast<float>(f.MaxFinite());
  c.min_normal = static_cast<float>(f.MinNormal());
  c.flush = !f.subnormals;
  if (f.saturate) {
    c.overflow_value = c.max_finite;
  } else if (f.specials == Specials::kOcpE4M3) {
    c.overflow_value = std::numeric_limits<float>::quiet_NaN();
  } else {
    c.overflow_value = std::numeric_limits<float>::infinity();
  }
  return c;
}

namespace {

template <class V, FastPath P>
void RoundRange(const RoundConstants& c, const float* in, float* out, Index n, Rounding rounding,
                std::uint64_t seed) {
  const VecRound<V> vr(c);
  Index i = 0;
  if (rounding == Rounding::kNearest) {
    for (; i + V::kWidth <= n; i += V::kWidth) V::Store(out + i, vr.template Nearest<P>(V::Load(in + i)));
  } else {
    LaneRng<V> rng(seed);
    for (; i + V::kWidth <= n; i += V::kWidth) {
      V::Store(out + i, vr.template Stochastic<P>(V::Load(in + i), rng.Next()));
    }
  }
  if (i == n) return;
  const VecRound<ScalarV> sr(c);
  LaneRng<ScalarV> tail_rng(Mix64(seed ^ 0x7A11ULL));
  for (; i < n; ++i) {
    out[i] = rounding == Rounding::kNearest ? sr.template Nearest<P>(in[i])
                                            : sr.template Stochastic<P>(in[i], tail_rng.Next());
  }
}

}  // namespace
}  // namespace internal

bool HasFastPath(const FloatFormat& f) {
  return internal::MakeRoundConstants(f).path != internal::FastPath::kNone;
}

void RoundArray(const FloatFormat& f, const float* in, float* out, Index n, Rounding rounding,
                std::uint64_t seed) {
  using internal::FastPath;
  const internal::RoundConstants c = internal::MakeRoundConstants(f);
  switch (c.path) {
    case FastPath::kMagic:
      internal::RoundRange<internal::NativeV, FastPath::kMagic>(c, in, out, n, rounding, seed);
      return;
    case FastPath::kBits:
      internal::RoundRange<internal::NativeV, FastPath::kBits>(c, in, out, n, rounding, seed);
      return;
    case FastPath::kNone: break;
  }
  Rng rng(seed);
  for (Index i = 0; i < n; ++i) out[i] = RoundToFormat(f, in[i], rounding, &rng);
}

void RoundMatrix(const FloatFormat& f, Matrix& m, Rounding rounding, std::uint64_t seed) {
  RoundArray(f, m.data(), m.data(), m.size(), rounding, seed);
}

}  // namespace pcmsim::numerics
