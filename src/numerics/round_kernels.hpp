// Internal: branch-free rounding of float32 lanes onto a narrower FloatFormat with integer
// bit tricks, shared by RoundArray and the low-precision GEMM.
//
// Nearest-even, "magic constant" path (formats whose range sits inside float32's normal
// range): for |x| in binade [2^e, 2^(e+1)) the format's grid step is 2^(max(e, emin) - m).
// Let C = 2^(max(e, emin) + 23 - m). Then |x| + C lies in [C, 2C) where float32's step is
// exactly the format's step, so the hardware's round-to-nearest-even addition rounds |x| to
// the format grid (C is an even multiple of the step, so "even" means the same thing), and
// (|x| + C) - C is exact (Sterbenz). Below the normal range e is clamped to emin, which
// gives the fixed subnormal step. Above the range e is clamped to emax + 1, and any result
// >= 2^(emax+1) is an overflow anyway. Overflow is judged after rounding (OCP rule).
//
// Nearest-even, "bits" path (formats with float32's exponent range: bf16, fp32): the classic
// integer round-half-even on the float32 bit pattern, bits + (2^(s-1) - 1) + lsb, then mask;
// float32 subnormals are linear in their bits, so this is exact there too.
//
// Stochastic: add s uniform random bits below the kept bits, then truncate (exact for the
// bits path). The magic path first adds 2^emin to inputs below the normal range, which maps
// the subnormal grid onto the normal grid of the binade [2^emin, 2^(emin+1)); that addition
// is exact whenever x is a multiple of 2^(emin-23) (true for all sums of format values), and
// otherwise perturbs the up-probability by < 2^-23.
#pragma once

#include <cstdint>

#include "pcmsim/core/random.hpp"
#include "pcmsim/numerics/float_format.hpp"
#include "simd.hpp"

namespace pcmsim::numerics::internal {

enum class FastPath { kMagic, kBits, kNone };

// Format constants for the vector rounding, built once per format.
struct RoundConstants {
  FastPath path = FastPath::kNone;
  int shift = 0;                  // float32 fraction bits dropped: 23 - m
  std::uint32_t emin_biased = 0;  // float32 exponent field of the format's smallest normal
  std::uint32_t emax_clamp = 0;   // float32 exponent field of 2^(emax + 1)
  float max_finite = 0.0f;
  float overflow_value = 0.0f;  // ±inf / NaN / max finite (saturating), sign added later
  float min_normal = 0.0f;
  bool flush = false;  // no subnormals: results below min_normal -> 0
};

RoundConstants MakeRoundConstants(const FloatFormat& f);

// Broadcast constants for vector type V.
template <class V>
struct VecRound {
  using F = typename V::F;
  using I = typename V::I;
  I abs_mask, emin, emax, coff, low_mask, half_m1, lsb_one, min_normal_bits;
  F max_finite, overflow_value, flush_below, zero;
  int shift, rnd_shift;

  explicit VecRound(const RoundConstants& c)
      : abs_mask(V::SetI(0x7fffffffu)),
        emin(V::SetI(c.emin_biased)),
        emax(V::SetI(c.emax_clamp)),
        coff(V::SetI(static_cast<std::uint32_t>(c.shift))),
        low_mask(V::SetI(c.shift > 0 ? (1u << c.shift) - 1u : 0u)),
        half_m1(V::SetI(c.shift > 0 ? (1u << (c.shift - 1)) - 1u : 0u)),
        lsb_one(V::SetI(c.shift > 0 ? 1u : 0u)),
        min_normal_bits(V::AsI(V::Set(c.min_normal))),
        max_finite(V::Set(c.max_finite)),
        overflow_value(V::Set(c.overflow_value)),
        flush_below(V::Set(c.flush ? c.min_normal : 0.0f)),
        zero(V::Set(0.0f)),
        shift(c.shift),
        rnd_shift(32 - c.shift) {}

  // Overflow policy, flush and sign restore on a rounded magnitude y.
  F Finish(F y, I sign) const {
    y = V::Select(V::GtF(y, max_finite), overflow_value, y);
    y = V::Select(V::LtF(y, flush_below), zero, y);
    return V::AsF(V::Or(V::AsI(y), sign));
  }

  template <FastPath P>
  F Nearest(F x) const {
    const I xi = V::AsI(x);
    const I ai = V::And(xi, abs_mask);
    const I sign = V::Xor(xi, ai);
    F y;
    if constexpr (P == FastPath::kMagic) {
      I e = V::template Shr<23>(ai);
      e = V::MinI(V::MaxI(e, emin), emax);
      const F c = V::AsF(V::template Shl<23>(V::AddI(e, coff)));
      y = V::Sub(V::Add(V::AsF(ai), c), c);
    } else {
      const I lsb = V::And(V::ShrV(ai, shift), lsb_one);
      const I yi = V::AndNot(low_mask, V::AddI(V::AddI(ai, half_m1), lsb));
      y = V::Select(V::IsNaN(V::AsF(ai)), V::AsF(ai), V::AsF(yi));
    }
    return Finish(y, sign);
  }

  // Nearest (magic path) for inputs known not to overflow the format, whose format keeps
  // subnormals: then the emax clamp, the overflow select and the flush are no-ops and are
  // skipped. Same result as Nearest<kMagic> for |x| <= max_finite (and NaN-free input).
  F NearestInRange(F x) const {
    const I xi = V::AsI(x);
    const I ai = V::And(xi, abs_mask);
    const I sign = V::Xor(xi, ai);
    const I e = V::MaxI(V::template Shr<23>(ai), emin);
    const F c = V::AsF(V::template Shl<23>(V::AddI(e, coff)));
    const F y = V::Sub(V::Add(V::AsF(ai), c), c);
    return V::AsF(V::Or(V::AsI(y), sign));
  }

  // rnd: 32 uniform random bits per lane (the top `shift` bits are used).
  template <FastPath P>
  F Stochastic(F x, I rnd) const {
    const I xi = V::AsI(x);
    const I ai = V::And(xi, abs_mask);
    const I sign = V::Xor(xi, ai);
    const I r = V::ShrV(rnd, rnd_shift);
    F y;
    if constexpr (P == FastPath::kMagic) {
      const F base = V::AsF(V::SelectI(V::LtI(ai, min_normal_bits), min_normal_bits, V::SetI(0)));
      const F z = V::Add(V::AsF(ai), base);
      y = V::Sub(V::AsF(V::AndNot(low_mask, V::AddI(V::AsI(z), r))), base);
    } else {
      y = V::AsF(V::AndNot(low_mask, V::AddI(ai, r)));
    }
    y = V::Select(V::IsNaN(V::AsF(ai)), V::AsF(ai), y);
    return Finish(y, sign);
  }
};

// Veltkamp splitting as a 3-operation rounding to p = 24 - s bits: with K = 2^s + 1,
// c = RN(x K), y = c - (c - x) is x rounded to nearest-even on p bits for every float32 x whose
// intermediates stay normal (checked exhaustively over two binades in lowp_gemm_test.cpp; all
// three operations commute with scaling by powers of two, so that covers every binade). It
// ignores the target's subnormal grid and overflow, so it is used only for accumulation
// steps, whose inputs are float32 sums of two values of the format: below the normal range
// such sums are exact (<= p bits, left unchanged), and overflow is excluded by a bound or
// detected afterwards (see lowp_gemm.cpp).
template <class V>
struct VeltkampRound {
  typename V::F k;
  explicit VeltkampRound(int mantissa_bits) : k(V::Set(static_cast<float>((1u << (23 - mantissa_bits)) + 1u))) {}
  typename V::F operator()(typename V::F x) const {
    typename V::F c = V::Mul(x, k);
    V::Opaque(c);  // forbid contracting c - x into fma(x, k, -x), which breaks the split
    return V::Sub(c, V::Sub(c, x));
  }
};

// Per-lane xorshift32 streams (Marsaglia 2003): cheap vector random bits for stochastic
// rounding inside kernels. Seeded from a pcmsim::Rng stream; states are never zero.
template <class V>
struct LaneRng {
  typename V::I state;
  explicit LaneRng(std::uint64_t seed) {
    Rng rng(seed);
    std::uint32_t lanes[V::kWidth];
    for (auto& l : lanes) {
      do {
        l = static_cast<std::uint32_t>(rng() >> 32);
      } while (l == 0);
    }
    state = V::LoadI(lanes);
  }
  typename V::I Next() {
    state = V::Xor(state, V::template Shl<13>(state));
    state = V::Xor(state, V::template Shr<17>(state));
    state = V::Xor(state, V::template Shl<5>(state));
    return state;
  }
};

}  // namespace pcmsim::numerics::internal
