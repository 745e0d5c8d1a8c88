// Low-precision GEMM emulation with per-step rounded, chunked accumulation, vectorised over
// rows of C with the branch-free float32 rounding kernels of round_kernels.hpp.
//
// Why rounding the float32 sum is the same as rounding the exact sum (no double rounding):
// every accumulation step adds two values x, y of the accumulator format F (precision p,
// p <= 11 enforced by Validate; (1,6,9) has p = 10). The kernel computes s' = RN32(x + y) in
// float32 (precision 24) and then R_F(s'). Theorem (S. A. Figueroa, "When is double rounding
// innocuous?", ACM SIGNUM Newsletter 30(3), 1995): for x, y in a precision-p format and an
// intermediate precision q >= 2p + 1, RN_p(RN_q(x + y)) = RN_p(x + y). Here q = 24 >= 23.
// Elementary check for p = 10 (the (1,6,9) case of the paper's recipe): let |y| <= |x|,
// |x| in [2^e, 2^(e+1)), |y| in [2^f, 2^(f+1)). If x + y is a float32 value there is nothing
// to show. Otherwise: x + y is a multiple of 2^(f-p+1) below 2^(e+2), so it has at most
// e - f + p + 1 significant bits; needing > 24 gives f <= e - 24 + p, hence
// |y| < 2^(f+1) <= 2^(e-23+p) = 2^(e-13). The p-bit neighbours of x lie at least 2^(e-p)
// below (x a power of two) and 2^(e-p+1) above, so half a gap is >= 2^(e-11) > |y| and
// RN_p(x + y) = x. RN32 moves x + y by at most half a float32 step, <= 2^(e-23), so
// |RN32(x + y) - x| < 2^(e-13) + 2^(e-23) < 2^(e-11): RN_p(RN32(x + y)) = x too (strictly
// inside half a gap, so no tie can arise).
// Range: F's subnormal grid (>= 2^-39 for (1,6,9)) is a multiple of float32's smallest step,
// and sums below F's normal range have <= p + 1 bits, so they are exact in float32; F's
// largest values are far below float32 overflow. Stochastic rounding sees RN32(x + y)
// instead of x + y: its up-probability may deviate by < 2^(p-24) (float32 step over F's).
// Tested against an exact integer reference on millions of pairs in lowp_gemm_test.cpp.
#include "pcmsim/numerics/lowp_gemm.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/core/validate.hpp"
#include "pcmsim/numerics/round_array.hpp"
#include "round_kernels.hpp"

namespace pcmsim::numerics {
namespace {

using internal::FastPath;
using internal::LaneRng;
using internal::VecRound;
using V = internal::NativeV;
using F = V::F;

// Register tile: kMr vectors of rows x kNr columns of C (inner + outer accumulators).
constexpr int kMr = V::kWidth == 1 ? 4 : (V::kWidth == 16 ? 2 : 1);
constexpr int kNr = 4;
constexpr Index kPr = kMr * V::kWidth;  // rows per packed A panel

bool IsFp32(const FloatFormat& f) {
  return f.exponent_bits == 8 && f.mantissa_bits == 23 && f.bias == 127 && f.specials == Specials::kIeee &&
         f.subnormals && !f.saturate;
}

// Products of a_format and b_format values are exact in float32 and in `prod`.
bool ProductsExact(const FloatFormat& a, const FloatFormat& b, const FloatFormat& prod) {
  return a.Precision() + b.Precision() <= std::min(prod.Precision(), 24) &&
         a.MinSubnormal() * b.MinSubnormal() >= prod.MinSubnormal() &&
         a.MaxFinite() * b.MaxFinite() <= prod.MaxFinite();
}

bool RoundProducts(const LowpGemmOptions& o) {
  return !IsFp32(o.product_format) && !ProductsExact(o.a_format, o.b_format, o.product_format);
}

// Packs op(M) rows [panel*pr, panel*pr + pr) x all k as panel-major, k-major, zero padded.
std::vector<float> PackRows(const Matrix& mat, bool transpose, Index rows, Index k, Index pr) {
  const Index panels = (rows + pr - 1) / pr;
  std::vector<float> out(static_cast<std::size_t>(panels * k * pr), 0.0f);
  for (Index p = 0; p < panels; ++p) {
    const Index r_end = std::min(pr, rows - p * pr);
    float* dst = out.data() + p * k * pr;
    for (Index kk = 0; kk < k; ++kk) {
      for (Index r = 0; r < r_end; ++r) {
        const Index i = p * pr + r;
        dst[kk * pr + r] = transpose ? mat(kk, i) : mat(i, kk);
      }
    }
  }
  return out;
}

// Accumulation step policies: s (a float32 sum of two accumulator values) -> R(s).
// Exact: the magic-constant / bits kernels (any input, nearest or stochastic).
template <FastPath P, bool kStochastic>
struct ExactStep {
  const VecRound<V>* acc;
  LaneRng<V>* rngs;
  F operator()(F s, int t) {
    if constexpr (kStochastic) {
      return acc->template Stochastic<P>(s, rngs[t].Next());
    } else {
      (void)t;
      return acc->template Nearest<P>(s);
    }
  }
};

// Veltkamp: 3 operations, valid for sums of format values without overflow. kCheck tracks
// the largest |result| so the caller can detect an overflow and redo the tile exactly.
template <bool kCheck>
struct VeltkampStep {
  internal::VeltkampRound<V> round;
  V::I max_bits = V::SetI(0), abs_mask = V::SetI(0x7fffffffu);
  F operator()(F s, int /*t*/) {
    const F y = round(s);
    if constexpr (kCheck) max_bits = V::MaxU(max_bits, V::And(V::AsI(y), abs_mask));
    return y;
  }
  // True if no lane ever exceeded max_finite (NaN and inf bit patterns compare larger).
  bool InRange(float max_finite) const {
    if constexpr (!kCheck) return true;
    alignas(64) std::uint32_t lanes[V::kWidth];
    V::StoreI(lanes, max_bits);
    std::uint32_t limit;
    std::memcpy(&limit, &max_finite, 4);
    for (std::uint32_t l : lanes) {
      if (l > limit) return false;
    }
    return true;
  }
};

// One kPr x kNr tile of C over all k, written column-major to out (ld = kPr). kLeanProd:
// products are known to stay within the product format's range (see RunVeltkamp).
template <bool kRoundProd, FastPath PP, class Step, bool kLeanProd = false>
void MicroKernel(const float* ap, const float* bp, Index k, Index chunk, const VecRound<V>& prod, Step& step,
                 float* out) {
  F outer[kMr][kNr];
  for (auto& row : outer)
    for (auto& v : row) v = V::Set(0.0f);
  for (Index k0 = 0; k0 < k; k0 += chunk) {
    const Index k1 = std::min(k, k0 + chunk);
    F inner[kMr][kNr];
    for (auto& row : inner)
      for (auto& v : row) v = V::Set(0.0f);
    for (Index kk = k0; kk < k1; ++kk) {
      F av[kMr];
      for (int r = 0; r < kMr; ++r) av[r] = V::Load(ap + kk * kPr + r * V::kWidth);
      for (int c = 0; c < kNr; ++c) {
        const F bv = V::Set(bp[kk * kNr + c]);
        for (int r = 0; r < kMr; ++r) {
          if constexpr (kRoundProd) {
            F p;
            if constexpr (kLeanProd) {
              p = prod.NearestInRange(V::Mul(av[r], bv));
            } else {
              p = prod.template Nearest<PP>(V::Mul(av[r], bv));
            }
            inner[r][c] = step(V::Add(inner[r][c], p), r * kNr + c);
          } else {  // a b exact in float32: a fused a b + s equals RN32(p + s)
            inner[r][c] = step(V::MulAdd(av[r], bv, inner[r][c]), r * kNr + c);
          }
        }
      }
    }
    for (int r = 0; r < kMr; ++r) {
      for (int c = 0; c < kNr; ++c) outer[r][c] = step(V::Add(outer[r][c], inner[r][c]), r * kNr + c);
    }
  }
  for (int c = 0; c < kNr; ++c) {
    for (int r = 0; r < kMr; ++r) V::Store(out + c * kPr + r * V::kWidth, outer[r][c]);
  }
}

struct Packed {
  std::vector<float> a, b;  // A row panels (kPr), B^T column panels (kNr)
  Index m, n, k;
};

// Runs tile_fn(ip, jp, tile) over all tiles (parallel over column panels) and scatters the
// tiles into c.
template <class TileFn>
void RunTiles(const Packed& pk, TileFn tile_fn, Matrix& c) {
  const Index i_panels = (pk.m + kPr - 1) / kPr, j_panels = (pk.n + kNr - 1) / kNr;
  const double flops_per_panel = 2.0 * static_cast<double>(pk.m * pk.k * kNr);
  const Index grain = std::max<Index>(1, static_cast<Index>(4.0e6 / std::max(1.0, flops_per_panel)));
  ParallelFor(j_panels, grain, [&](Index jp0, Index jp1) {
    alignas(64) float tile[kPr * kNr];
    for (Index jp = jp0; jp < jp1; ++jp) {
      for (Index ip = 0; ip < i_panels; ++ip) {
        tile_fn(ip, jp, tile);
        const Index rows = std::min(kPr, pk.m - ip * kPr), cols = std::min<Index>(kNr, pk.n - jp * kNr);
        for (Index cc = 0; cc < cols; ++cc) {
          for (Index r = 0; r < rows; ++r) c(ip * kPr + r, jp * kNr + cc) = tile[cc * kPr + r];
        }
      }
    }
  });
}

// Exact per-step rounding (magic/bits kernels), nearest or stochastic.
template <FastPath P, bool kStochastic, bool kRoundProd>
void RunExact(const Packed& pk, Index chunk, const LowpGemmOptions& o, std::uint64_t seed, Matrix& c) {
  const VecRound<V> acc(internal::MakeRoundConstants(o.accum_format));
  const VecRound<V> prod(internal::MakeRoundConstants(kRoundProd ? o.product_format : o.accum_format));
  const Index j_panels = (pk.n + kNr - 1) / kNr;
  RunTiles(
      pk,
      [&](Index ip, Index jp, float* tile) {
        std::vector<LaneRng<V>> rngs;
        if (kStochastic) {
          rngs.reserve(kMr * kNr);
          for (int t = 0; t < kMr * kNr; ++t) {
            rngs.emplace_back(StreamSeed(seed, "lowp_gemm", static_cast<std::uint64_t>(ip * j_panels + jp),
                                         static_cast<std::uint64_t>(t)));
          }
        }
        ExactStep<P, kStochastic> step{&acc, rngs.data()};
        MicroKernel<kRoundProd, P>(pk.a.data() + ip * pk.k * kPr, pk.b.data() + jp * pk.k * kNr, pk.k, chunk, prod,
                                   step, tile);
      },
      c);
}

// Fast nearest accumulation; with kCheck, tiles that overflowed are recomputed exactly.
// kRoundProd: products are first rounded (exactly, by the magic kernel) into a product
// format whose values all lie on the accumulator's grid, so every accumulation step still
// adds two accumulator values and the Veltkamp step stays exact (the argument above).
// kLeanProd (with kRoundProd): no product can exceed the product format's largest value and
// the format keeps subnormals, so products take the shorter in-range rounding.
template <bool kCheck, bool kRoundProd = false, bool kLeanProd = false>
void RunVeltkamp(const Packed& pk, Index chunk, const LowpGemmOptions& o, Matrix& c) {
  const VecRound<V> acc(internal::MakeRoundConstants(o.accum_format));
  const VecRound<V> prod(internal::MakeRoundConstants(kRoundProd ? o.product_format : o.accum_format));
  const float max_finite = static_cast<float>(o.accum_format.MaxFinite());
  RunTiles(
      pk,
      [&](Index ip, Index jp, float* tile) {
        const float* ap = pk.a.data() + ip * pk.k * kPr;
        const float* bp = pk.b.data() + jp * pk.k * kNr;
        VeltkampStep<kCheck> step{internal::VeltkampRound<V>(o.accum_format.mantissa_bits)};
        MicroKernel<kRoundProd, FastPath::kMagic, VeltkampStep<kCheck>, kLeanProd>(ap, bp, pk.k, chunk,
                                                                                   kRoundProd ? prod : acc, step, tile);
        if (!step.InRange(max_finite)) {
          ExactStep<FastPath::kMagic, false> exact{&acc, nullptr};
          MicroKernel<kRoundProd, FastPath::kMagic>(ap, bp, pk.k, chunk, kRoundProd ? prod : acc, exact, tile);
        }
      },
      c);
}

// Every finite value of `prod` is a value of `acc` (binary grids: precision and range).
bool GridWithin(const FloatFormat& prod, const FloatFormat& acc) {
  return prod.Precision() <= acc.Precision() && prod.MinSubnormal() >= acc.MinSubnormal() &&
         prod.MaxFinite() <= acc.MaxFinite() && prod.MinNormal() >= acc.MinNormal();
}

// Largest |v| of a packed operand; +inf if any NaN/inf.
double MaxAbs(const std::vector<float>& v) {
  double m = 0;
  for (float x : v) {
    const double ax = std::fabs(static_cast<double>(x));
    if (!(ax <= m)) m = std::isnan(ax) ? std::numeric_limits<double>::infinity() : ax;
  }
  return m;
}

// True if no rounded partial sum can exceed the accumulator's max finite value: exact
// partial sums are <= k max|a| max|b|, and each of the <= 2k + 2 roundings on a path grows a
// magnitude by a factor <= 1 + 2^-p.
bool OverflowImpossible(const Packed& pk, const LowpGemmOptions& o) {
  const double growth =
      std::pow(1.0 + std::ldexp(1.0, -o.accum_format.Precision()), 2.0 * static_cast<double>(pk.k) + 2.0);
  const double bound = static_cast<double>(pk.k) * MaxAbs(pk.a) * MaxAbs(pk.b) * growth;
  return bound < o.accum_format.MaxFinite();
}

template <FastPath P>
void Dispatch(const Packed& pk, Index chunk, const LowpGemmOptions& o, std::uint64_t seed, Matrix& c) {
  const bool sr = o.accum_rounding == Rounding::kStochastic, rp = RoundProducts(o);
  const bool veltkamp = P == FastPath::kMagic && !sr && !rp && o.accum_format.subnormals &&
                        ProductsExact(o.a_format, o.b_format, o.accum_format);
  const bool veltkamp_rounded_products = P == FastPath::kMagic && !sr && rp && o.accum_format.subnormals &&
                                         GridWithin(o.product_format, o.accum_format);
  if (veltkamp) {
    if (OverflowImpossible(pk, o))
      RunVeltkamp<false>(pk, chunk, o, c);
    else
      RunVeltkamp<true>(pk, chunk, o, c);
  } else if (veltkamp_rounded_products) {
    // Products of packed operands are exact in float32 only up to 24 bits; beyond that the
    // float32 product is already rounded, which the in-range kernel would round again.
    const bool lean = o.product_format.subnormals && o.a_format.Precision() + o.b_format.Precision() <= 24 &&
                      MaxAbs(pk.a) * MaxAbs(pk.b) <= o.product_format.MaxFinite();
    if (lean)
      RunVeltkamp<true, true, true>(pk, chunk, o, c);
    else
      RunVeltkamp<true, true>(pk, chunk, o, c);
  } else if (sr && rp) {
    RunExact<P, true, true>(pk, chunk, o, seed, c);
  } else if (sr) {
    RunExact<P, true, false>(pk, chunk, o, seed, c);
  } else if (rp) {
    RunExact<P, false, true>(pk, chunk, o, seed, c);
  } else {
    RunExact<P, false, false>(pk, chunk, o, seed, c);
  }
}

Matrix Quantized(const Matrix& m, const FloatFormat& f) {
  Matrix q = m;
  if (!IsFp32(f)) RoundMatrix(f, q);
  return q;
}

}  // namespace

bool LowpGemmOptions::Fp32Accumulation() const { return IsFp32(accum_format); }

void LowpGemmOptions::Validate() const {
  for (const FloatFormat* f : {&a_format, &b_format, &product_format, &accum_format}) f->Validate();
  Require(chunk >= 0, "chunk", chunk, "must be >= 0 (0 = one chunk over the whole sum)");
  if (Fp32Accumulation()) {
    Require(IsFp32(product_format) || ProductsExact(a_format, b_format, product_format), "product_format",
                product_format.name, "must be fp32 (or exact for the operands) with fp32 accumulation");
    return;
  }
  Require(HasFastPath(accum_format) && accum_format.Precision() <= 11, "accum_format", accum_format.name,
              "must be fp32 or a float32-emulable format with <= 10 mantissa bits");
  Require(product_format.Precision() <= accum_format.Precision() || IsFp32(product_format) ||
                  ProductsExact(a_format, b_format, accum_format),
              "product_format", product_format.name, "must not be more precise than accum_format");
  if (RoundProducts(*this)) {
    Require(internal::MakeRoundConstants(product_format).path == internal::MakeRoundConstants(accum_format).path,
                "product_format", product_format.name, "needs the same float32 fast-path kind as accum_format");
  }
}

void LowpGemm(const Matrix& a, bool transpose_a, const Matrix& b, bool transpose_b, Matrix& c, const LowpGemmOptions& o,
              std::uint64_t seed) {
  o.Validate();
  const Index m = transpose_a ? a.cols() : a.rows(), k = transpose_a ? a.rows() : a.cols();
  const Index kb = transpose_b ? b.cols() : b.rows(), n = transpose_b ? b.rows() : b.cols();
  if (k != kb) throw DimensionError(StrCat("LowpGemm inner dimensions differ: ", m, "x", k, " times ", kb, "x", n));
  if (o.Fp32Accumulation()) {
    ParallelGemm(Quantized(a, o.a_format), transpose_a, Quantized(b, o.b_format), transpose_b, c);
    return;
  }
  c.resize(m, n);
  if (k == 0) {
    c.setZero();
    return;
  }
  Packed pk{PackRows(a, transpose_a, m, k, kPr), PackRows(b, !transpose_b, n, k, kNr), m, n, k};
  if (!IsFp32(o.a_format)) RoundArray(o.a_format, pk.a.data(), pk.a.data(), static_cast<Index>(pk.a.size()));
  if (!IsFp32(o.b_format)) RoundArray(o.b_format, pk.b.data(), pk.b.data(), static_cast<Index>(pk.b.size()));
  const Index chunk = o.chunk == 0 ? k : o.chunk;
  if (internal::MakeRoundConstants(o.accum_format).path == FastPath::kMagic) {
    Dispatch<FastPath::kMagic>(pk, chunk, o, seed, c);
  } else {
    Dispatch<FastPath::kBits>(pk, chunk, o, seed, c);
  }
}

}  // namespace pcmsim::numerics
