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
#include <vector>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/io/config.hpp"
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
  return f.exponent_bits == 8 && f.mantissa_bits == 23 && f.bias == 127 &&
         f.specials == Specials::kIeee && f.subnormals && !f.saturate;
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

template <FastPath P, bool kStochastic>
inline F Step(const VecRound<V>& acc, F s, LaneRng<V>& rng) {
  if constexpr (kStochastic) {
    return acc.template Stochastic<P>(s, rng.Next());
  } else {
    (void)rng;
    return acc.template Nearest<P>(s);
  }
}

// One kPr x kNr tile of C over all k, written column-major to out (ld = kPr).
template <FastPath P, bool kStochastic, bool kRoundProd>
void MicroKernel(const float* ap, const float* bp, Index k, Index chunk, const VecRound<V>& acc,
                 const VecRound<V>& prod, LaneRng<V>* rngs, float* out) {
  F outer[kMr][kNr];
  for (auto& row : outer) for (auto& v : row) v = V::Set(0.0f);
  for (Index k0 = 0; k0 < k; k0 += chunk) {
    const Index k1 = std::min(k, k0 + chunk);
    F inner[kMr][kNr];
    for (auto& row : inner) for (auto& v : row) v = V::Set(0.0f);
    for (Index kk = k0; kk < k1; ++kk) {
      F av[kMr];
      for (int r = 0; r < kMr; ++r) av[r] = V::Load(ap + kk * kPr + r * V::kWidth);
      for (int c = 0; c < kNr; ++c) {
        const F bv = V::Set(bp[kk * kNr + c]);
        for (int r = 0; r < kMr; ++r) {
          F p = V::Mul(av[r], bv);  // exact for narrow operands (see ProductsExact)
          if constexpr (kRoundProd) p = prod.template Nearest<P>(p);
          inner[r][c] = Step<P, kStochastic>(acc, V::Add(inner[r][c], p), rngs[r * kNr + c]);
        }
      }
    }
    for (int r = 0; r < kMr; ++r) {
      for (int c = 0; c < kNr; ++c) {
        outer[r][c] = Step<P, kStochastic>(acc, V::Add(outer[r][c], inner[r][c]), rngs[r * kNr + c]);
      }
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

template <FastPath P, bool kStochastic, bool kRoundProd>
void RunTiles(const Packed& pk, Index chunk, const LowpGemmOptions& o, std::uint64_t seed, Matrix& c) {
  const internal::RoundConstants acc_c = internal::MakeRoundConstants(o.accum_format);
  const internal::RoundConstants prod_c = internal::MakeRoundConstants(o.product_format);
  const VecRound<V> acc(acc_c), prod(kRoundProd ? prod_c : acc_c);
  const Index i_panels = (pk.m + kPr - 1) / kPr, j_panels = (pk.n + kNr - 1) / kNr;
  const double flops_per_panel = 2.0 * static_cast<double>(pk.m * pk.k * kNr);
  const Index grain = std::max<Index>(1, static_cast<Index>(4.0e6 / std::max(1.0, flops_per_panel)));
  ParallelFor(j_panels, grain, [&](Index jp0, Index jp1) {
    alignas(64) float tile[kPr * kNr];
    for (Index jp = jp0; jp < jp1; ++jp) {
      for (Index ip = 0; ip < i_panels; ++ip) {
        std::vector<LaneRng<V>> rngs;
        rngs.reserve(kMr * kNr);
        for (int t = 0; t < kMr * kNr; ++t) {
          rngs.emplace_back(StreamSeed(seed, "lowp_gemm", static_cast<std::uint64_t>(ip * j_panels + jp),
                                       static_cast<std::uint64_t>(t)));
        }
        MicroKernel<P, kStochastic, kRoundProd>(pk.a.data() + ip * pk.k * kPr, pk.b.data() + jp * pk.k * kNr,
                                                pk.k, chunk, acc, prod, rngs.data(), tile);
        const Index rows = std::min(kPr, pk.m - ip * kPr), cols = std::min<Index>(kNr, pk.n - jp * kNr);
        for (Index cc = 0; cc < cols; ++cc) {
          for (Index r = 0; r < rows; ++r) c(ip * kPr + r, jp * kNr + cc) = tile[cc * kPr + r];
        }
      }
    }
  });
}

template <FastPath P>
void Dispatch(const Packed& pk, Index chunk, const LowpGemmOptions& o, std::uint64_t seed, Matrix& c) {
  const bool sr = o.accum_rounding == Rounding::kStochastic, rp = RoundProducts(o);
  if (sr && rp) RunTiles<P, true, true>(pk, chunk, o, seed, c);
  else if (sr) RunTiles<P, true, false>(pk, chunk, o, seed, c);
  else if (rp) RunTiles<P, false, true>(pk, chunk, o, seed, c);
  else RunTiles<P, false, false>(pk, chunk, o, seed, c);
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
  io::Require(chunk >= 0, "chunk", chunk, "must be >= 0 (0 = one chunk over the whole sum)");
  if (Fp32Accumulation()) {
    io::Require(IsFp32(product_format) || ProductsExact(a_format, b_format, product_format),
                "product_format", product_format.name,
                "must be fp32 (or exact for the operands) with fp32 accumulation");
    return;
  }
  io::Require(HasFastPath(accum_format) && accum_format.Precision() <= 11, "accum_format",
              accum_format.name, "must be fp32 or a float32-emulable format with <= 10 mantissa bits");
  io::Require(product_format.Precision() <= accum_format.Precision() || IsFp32(product_format) ||
                  ProductsExact(a_format, b_format, accum_format),
              "product_format", product_format.name, "must not be more precise than accum_format");
  if (RoundProducts(*this)) {
    io::Require(internal::MakeRoundConstants(product_format).path ==
                    internal::MakeRoundConstants(accum_format).path,
                "product_format", product_format.name,
                "needs the same float32 fast-path kind as accum_format");
  }
}

void LowpGemm(const Matrix& a, bool transpose_a, const Matrix& b, bool transpose_b, Matrix& c,
              const LowpGemmOptions& o, std::uint64_t seed) {
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
