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
#include <bit>
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

// Packs op(M) rows [panel*pr, panel*pr + pr) x all k as panel-major, k-major, zero padded,
// into out (resized; every element is written). Reads run along M's columns.
void PackRows(const Matrix& mat, bool transpose, Index rows, Index k, Index pr, std::vector<float>& out) {
  const Index panels = (rows + pr - 1) / pr;
  out.resize(static_cast<std::size_t>(panels * k * pr));
  for (Index p = 0; p < panels; ++p) {
    const Index r_end = std::min(pr, rows - p * pr);
    float* dst = out.data() + p * k * pr;
    if (!transpose) {
      for (Index kk = 0; kk < k; ++kk) {
        const float* src = mat.data() + kk * mat.rows() + p * pr;  // column kk, rows p*pr...
        for (Index r = 0; r < r_end; ++r) dst[kk * pr + r] = src[r];
        for (Index r = r_end; r < pr; ++r) dst[kk * pr + r] = 0.0f;
      }
    } else {
      for (Index r = 0; r < r_end; ++r) {
        const float* src = mat.data() + (p * pr + r) * mat.rows();  // column p*pr + r, all k
        for (Index kk = 0; kk < k; ++kk) dst[kk * pr + r] = src[kk];
      }
      for (Index r = r_end; r < pr; ++r) {
        for (Index kk = 0; kk < k; ++kk) dst[kk * pr + r] = 0.0f;
      }
    }
  }
}

// Per packed panel (width rows or columns x k): the smallest nonzero |v| (+inf if none),
// and over all panels the largest |v| (+inf if any NaN or inf). One pass on the bit
// patterns (|v| orders like its bits; zero's bits - 1 wrap to the largest unsigned value).
struct PanelStats {
  std::vector<float> min_nonzero;
  double max_abs = 0.0;
};

PanelStats Stats(const std::vector<float>& v, Index k, Index width) {
  const Index per = k * width, panels = per > 0 ? static_cast<Index>(v.size()) / per : 0;
  PanelStats st;
  st.min_nonzero.resize(static_cast<std::size_t>(panels));
  std::uint32_t hi = 0;
  for (Index p = 0; p < panels; ++p) {
    const float* x = v.data() + p * per;
    std::uint32_t lo = 0xffffffffu, top = 0;
    for (Index i = 0; i < per; ++i) {
      const std::uint32_t a = std::bit_cast<std::uint32_t>(x[i]) & 0x7fffffffu;
      lo = std::min(lo, a - 1u);
      top = std::max(top, a);
    }
    st.min_nonzero[static_cast<std::size_t>(p)] =
        lo == 0xffffffffu ? std::numeric_limits<float>::infinity() : std::bit_cast<float>(lo + 1u);
    hi = std::max(hi, top);
  }
  st.max_abs = hi >= 0x7f800000u ? std::numeric_limits<double>::infinity()
                                 : static_cast<double>(std::bit_cast<float>(hi));
  return st;
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

// Product rounding policies (products a b are exact in float32 whenever they are rounded
// by the lean or Veltkamp policy; see RunVeltkamp):
// Full: the magic kernel with overflow and flush handling (any float32 product).
template <FastPath PP>
struct ProdFull {
  const VecRound<V>* prod;
  F operator()(F p) const { return prod->template Nearest<PP>(p); }
};
// Lean: no product exceeds the product format's largest value and the format keeps
// subnormals: the magic kernel without its overflow and flush selects.
struct ProdLean {
  const VecRound<V>* prod;
  F operator()(F p) const { return prod->NearestInRange(p); }
};
// Veltkamp: additionally every nonzero product of the tile lies in the product format's
// normal range: then rounding to the format's grid is rounding to its precision, which the
// 3-operation Veltkamp split does exactly (exhaustive test in lowp_gemm_test.cpp). Zero
// products stay zero (with their sign: c = 0 * K, y = c - (c - p) keeps the sign of p).
struct ProdVeltkamp {
  internal::VeltkampRound<V> round;
  F operator()(F p) const { return round(p); }
};

// Indices kk of a B panel's k range at which some of its kNr values is nonzero, or null (all
// k). Skipping the others is exact for nearest rounding: their products are +-0, and
// adding +-0 to an accumulator value s returns s (s is never -0: sums start at +0 and only
// -0 + -0 gives -0), which every nearest rounding leaves unchanged. Not used with
// stochastic rounding (it would shift the random streams) or with NaN/inf in A (0 * inf).
struct KList {
  const std::int32_t* ks = nullptr;
  Index count = 0;
};

// One kPr x kNr tile of C over all k, written column-major to out (ld = kPr). With
// kRoundProd every product goes through prod_round (a policy above) before it is added.
template <bool kRoundProd, class Prod, class Step>
void MicroKernel(const float* ap, const float* bp, Index k, Index chunk, const Prod& prod_round, Step& step,
                 float* out, KList list = {}) {
  F outer[kMr][kNr];
  for (auto& row : outer)
    for (auto& v : row) v = V::Set(0.0f);
  Index pos = 0;
  for (Index k0 = 0; k0 < k; k0 += chunk) {
    const Index k1 = std::min(k, k0 + chunk);
    F inner[kMr][kNr];
    for (auto& row : inner)
      for (auto& v : row) v = V::Set(0.0f);
    const auto mac = [&](Index kk) __attribute__((always_inline)) {
      F av[kMr];
      for (int r = 0; r < kMr; ++r) av[r] = V::Load(ap + kk * kPr + r * V::kWidth);
      for (int c = 0; c < kNr; ++c) {
        const F bv = V::Set(bp[kk * kNr + c]);
        for (int r = 0; r < kMr; ++r) {
          if constexpr (kRoundProd) {
            inner[r][c] = step(V::Add(inner[r][c], prod_round(V::Mul(av[r], bv))), r * kNr + c);
          } else {  // a b exact in float32: a fused a b + s equals RN32(p + s)
            inner[r][c] = step(V::MulAdd(av[r], bv, inner[r][c]), r * kNr + c);
          }
        }
      }
    };
    if (list.ks == nullptr) {
      for (Index kk = k0; kk < k1; ++kk) mac(kk);
    } else {
      for (; pos < list.count && list.ks[pos] < k1; ++pos) mac(list.ks[pos]);
    }
    for (int r = 0; r < kMr; ++r) {
      for (int c = 0; c < kNr; ++c) outer[r][c] = step(V::Add(outer[r][c], inner[r][c]), r * kNr + c);
    }
  }
  for (int c = 0; c < kNr; ++c) {
    for (int r = 0; r < kMr; ++r) V::Store(out + c * kPr + r * V::kWidth, outer[r][c]);
  }
}

// Per B panel, the k indices with a nonzero value (CSR), kept only for panels where at
// least 1/8 of the k range is zero (else the dense loop is as fast).
struct ZeroSkip {
  std::vector<std::int32_t> ks;
  std::vector<Index> begin;  // panel p: ks[begin[p] .. begin[p + 1]); begin[p] < 0: dense
  std::vector<Index> end;
  KList Panel(Index p) const {
    const auto i = static_cast<std::size_t>(p);
    if (begin.empty() || begin[i] < 0) return {};
    return {ks.data() + begin[i], end[i] - begin[i]};
  }
};

ZeroSkip BuildZeroSkip(const std::vector<float>& b, Index k, Index panels) {
  ZeroSkip z;
  z.begin.resize(static_cast<std::size_t>(panels));
  z.end.resize(static_cast<std::size_t>(panels));
  for (Index p = 0; p < panels; ++p) {
    const float* bp = b.data() + p * k * kNr;
    const Index start = static_cast<Index>(z.ks.size());
    for (Index kk = 0; kk < k; ++kk) {
      bool any = false;
      for (int c = 0; c < kNr; ++c) any |= bp[kk * kNr + c] != 0.0f;
      if (any) z.ks.push_back(static_cast<std::int32_t>(kk));
    }
    const Index count = static_cast<Index>(z.ks.size()) - start;
    if (count * 8 > k * 7) {  // dense enough: drop the list
      z.ks.resize(static_cast<std::size_t>(start));
      z.begin[static_cast<std::size_t>(p)] = -1;
    } else {
      z.begin[static_cast<std::size_t>(p)] = start;
      z.end[static_cast<std::size_t>(p)] = start + count;
    }
  }
  return z;
}

struct Packed {
  const std::vector<float>& a;  // A row panels (kPr)
  const std::vector<float>& b;  // B^T column panels (kNr)
  Index m, n, k;
  PanelStats a_stats, b_stats;
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
        MicroKernel<kRoundProd>(pk.a.data() + ip * pk.k * kPr, pk.b.data() + jp * pk.k * kNr, pk.k, chunk,
                                ProdFull<P>{&prod}, step, tile);
      },
      c);
}

// Tile (ip, jp) has no nonzero product in the product format's subnormal range when
// a_stats.min_nonzero[ip] * b_stats.min_nonzero[jp] >= the format's smallest normal.

// Fast nearest accumulation; with kCheck, tiles that overflowed are recomputed exactly.
// kRoundProd: products are first rounded (exactly) into a product format whose values all
// lie on the accumulator's grid, so every accumulation step still adds two accumulator
// values and the Veltkamp step stays exact (the argument above). kLeanProd (with
// kRoundProd): no product can exceed the product format's largest value and the format
// keeps subnormals, so products take the shorter in-range rounding, or the 3-operation
// Veltkamp rounding in tiles whose nonzero products all lie in the format's normal range
// (decided per tile from the operand panels' smallest nonzero magnitudes).
template <bool kCheck, bool kRoundProd = false, bool kLeanProd = false>
void RunVeltkamp(const Packed& pk, Index chunk, const LowpGemmOptions& o, Matrix& c) {
  const VecRound<V> acc(internal::MakeRoundConstants(o.accum_format));
  const VecRound<V> prod(internal::MakeRoundConstants(kRoundProd ? o.product_format : o.accum_format));
  const float max_finite = static_cast<float>(o.accum_format.MaxFinite());
  const std::vector<float>& a_min = pk.a_stats.min_nonzero;
  const std::vector<float>& b_min = pk.b_stats.min_nonzero;
  const double prod_min_normal = o.product_format.MinNormal();
  const ProdVeltkamp prod_veltkamp{internal::VeltkampRound<V>(o.product_format.mantissa_bits)};
  // Zero skipping (nearest rounding only here; A must be free of NaN/inf).
  const ZeroSkip skip = std::isfinite(pk.a_stats.max_abs) ? BuildZeroSkip(pk.b, pk.k, (pk.n + kNr - 1) / kNr) : ZeroSkip{};
  RunTiles(
      pk,
      [&](Index ip, Index jp, float* tile) {
        const float* ap = pk.a.data() + ip * pk.k * kPr;
        const float* bp = pk.b.data() + jp * pk.k * kNr;
        const KList list = skip.Panel(jp);
        VeltkampStep<kCheck> step{internal::VeltkampRound<V>(o.accum_format.mantissa_bits)};
        if constexpr (kLeanProd) {
          const double lo = static_cast<double>(a_min[static_cast<std::size_t>(ip)]) *
                            static_cast<double>(b_min[static_cast<std::size_t>(jp)]);
          if (lo >= prod_min_normal) {  // +inf (a zero panel) qualifies too: all products are 0
            MicroKernel<true>(ap, bp, pk.k, chunk, prod_veltkamp, step, tile, list);
          } else {
            MicroKernel<true>(ap, bp, pk.k, chunk, ProdLean{&prod}, step, tile, list);
          }
        } else {
          MicroKernel<kRoundProd>(ap, bp, pk.k, chunk, ProdFull<FastPath::kMagic>{kRoundProd ? &prod : &acc}, step,
                                  tile, list);
        }
        if (!step.InRange(max_finite)) {
          ExactStep<FastPath::kMagic, false> exact{&acc, nullptr};
          MicroKernel<kRoundProd>(ap, bp, pk.k, chunk, ProdFull<FastPath::kMagic>{kRoundProd ? &prod : &acc}, exact,
                                  tile, list);
        }
      },
      c);
}

// Every finite value of `prod` is a value of `acc` (binary grids: precision and range).
bool GridWithin(const FloatFormat& prod, const FloatFormat& acc) {
  return prod.Precision() <= acc.Precision() && prod.MinSubnormal() >= acc.MinSubnormal() &&
         prod.MaxFinite() <= acc.MaxFinite() && prod.MinNormal() >= acc.MinNormal();
}

// True if no rounded partial sum can exceed the accumulator's max finite value: exact
// partial sums are <= k max|a| max|b|, and each of the <= 2k + 2 accumulation roundings on a
// path grows a magnitude by a factor <= 1 + 2^-p (p: the accumulator's precision). With
// rounded products, each of the k products also grows by <= 1 + 2^-q (q: the product
// format's precision) before it is added.
bool OverflowImpossible(const Packed& pk, const LowpGemmOptions& o, bool rounded_products = false) {
  const double k = static_cast<double>(pk.k);
  double growth = std::pow(1.0 + std::ldexp(1.0, -o.accum_format.Precision()), 2.0 * k + 2.0);
  if (rounded_products) growth *= std::pow(1.0 + std::ldexp(1.0, -o.product_format.Precision()), k);
  const double bound = static_cast<double>(pk.k) * pk.a_stats.max_abs * pk.b_stats.max_abs * growth;
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
                      pk.a_stats.max_abs * pk.b_stats.max_abs <= o.product_format.MaxFinite();
    if (lean && OverflowImpossible(pk, o, true))
      RunVeltkamp<false, true, true>(pk, chunk, o, c);
    else if (lean)
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
  // Packing buffers are reused across calls (per thread: LowpGemm may run on several).
  thread_local std::vector<float> a_buf, b_buf;
  PackRows(a, transpose_a, m, k, kPr, a_buf);
  PackRows(b, !transpose_b, n, k, kNr, b_buf);
  if (!IsFp32(o.a_format)) RoundArray(o.a_format, a_buf.data(), a_buf.data(), static_cast<Index>(a_buf.size()));
  if (!IsFp32(o.b_format)) RoundArray(o.b_format, b_buf.data(), b_buf.data(), static_cast<Index>(b_buf.size()));
  const Packed pk{a_buf, b_buf, m, n, k, Stats(a_buf, k, kPr), Stats(b_buf, k, kNr)};
  const Index chunk = o.chunk == 0 ? k : o.chunk;
  if (internal::MakeRoundConstants(o.accum_format).path == FastPath::kMagic) {
    Dispatch<FastPath::kMagic>(pk, chunk, o, seed, c);
  } else {
    Dispatch<FastPath::kBits>(pk, chunk, o, seed, c);
  }
}

}  // namespace pcmsim::numerics
