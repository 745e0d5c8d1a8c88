// Low-precision GEMM: the per-step double-rounding argument checked against an exact
// integer reference on millions of pairs (with ties), the GEMM against a scalar sequential
// reference (bit-exact), thread-count invariance, fp32 equivalence and the swamping demo.
#include "pcmsim/numerics/lowp_gemm.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <vector>

#include "numerics/round_kernels.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/numerics/convert.hpp"
#include "pcmsim/numerics/round_array.hpp"

namespace pcmsim::numerics {
namespace {

__extension__ using Int128 = __int128;
__extension__ using UInt128 = unsigned __int128;

// Exact round-to-nearest-even of the integer sum N * 2^qmin into f (unbounded exponent at
// the top; callers stay far below overflow). Independent of src/: integer arithmetic only.
double ExactRoundSum(const FloatFormat& f, Int128 n, int qmin) {
  const bool neg = n < 0;
  UInt128 u = neg ? static_cast<UInt128>(-n) : static_cast<UInt128>(n);
  if (u == 0) return neg ? -0.0 : 0.0;
  int bitlen = 0;
  for (UInt128 t = u; t; t >>= 1) ++bitlen;
  const int e = bitlen - 1 + qmin;
  const int q = std::max(e, f.MinExponent()) - f.mantissa_bits;
  const int shift = q - qmin;
  UInt128 kept = u;
  if (shift > 0) {
    kept = u >> shift;
    const UInt128 rem = u & ((static_cast<UInt128>(1) << shift) - 1);
    const UInt128 half = static_cast<UInt128>(1) << (shift - 1);
    if (rem > half || (rem == half && (kept & 1))) ++kept;
  }
  const double v = std::ldexp(static_cast<double>(kept), shift > 0 ? q : qmin);
  return neg ? -v : v;
}

// Integer significand of a value on the grid 2^qmin.
Int128 ToGrid(double v, int qmin) { return static_cast<Int128>(std::ldexp(v, -qmin)); }

void CheckPairs(const char* name, std::uint64_t seed) {
  const FloatFormat f = FormatByName(name);
  const int qmin = f.MinExponent() - f.mantissa_bits;
  const int codes = 1 << (f.Bits() - 1);
  Rng rng(seed);
  constexpr int kPairs = 1 << 21;
  std::vector<float> x(kPairs), y(kPairs), sums(kPairs), rounded(kPairs);
  for (int i = 0; i < kPairs; ++i) {
    const auto rand_value = [&] {
      double v;
      do {
        v = Decode(f, rng() % static_cast<std::uint64_t>(codes));
      } while (!std::isfinite(v) || std::fabs(v) > f.MaxFinite() / 4);
      return (rng() & 1) ? -v : v;
    };
    x[i] = static_cast<float>(rand_value());
    if (i % 4 == 0) {
      y[i] = static_cast<float>(rand_value());
    } else {  // engineer ties and near-ties: y = ±(half an ulp of x) * (1 + small), on F's grid
      const int ex = std::max(std::ilogb(x[i]), f.MinExponent());
      const int shift = static_cast<int>(rng() % 20);
      double v = std::ldexp(1.0, ex - f.mantissa_bits - 1 - shift);
      if (i % 4 == 2) v += std::ldexp(1.0, ex - f.mantissa_bits - 1 - shift - 1 - static_cast<int>(rng() % 8));
      v = RoundToFormat(f, v);
      y[i] = static_cast<float>((rng() & 1) ? -v : v);
    }
    sums[i] = x[i] + y[i];  // float32 sum, as in the GEMM kernel
  }
  RoundArray(f, sums.data(), rounded.data(), kPairs);  // the kernel's rounding code
  long bad = 0;
  for (int i = 0; i < kPairs; ++i) {
    const double want = ExactRoundSum(f, ToGrid(x[i], qmin) + ToGrid(y[i], qmin), qmin);
    if (static_cast<double>(rounded[i]) != want && ++bad < 5) {
      ADD_FAILURE() << name << std::hexfloat << " x=" << x[i] << " y=" << y[i] << " got " << rounded[i] << " want "
                    << want;
    }
  }
  EXPECT_EQ(bad, 0) << name << " of " << kPairs << " pairs";
}

TEST(DoubleRounding, Float32SumThenRoundEqualsExactRounding) {
  CheckPairs("fp16_169", 1);
  CheckPairs("fp16", 2);
  CheckPairs("e5m2", 3);
  CheckPairs("e4m3", 4);
}

// Scalar sequential reference of the LowpGemm definition (double arithmetic is exact for
// the products; sums are double-rounded innocuously since 53 >= 2 p + 1).
Matrix Reference(const Matrix& a, const Matrix& b, const LowpGemmOptions& o) {
  const Index chunk = o.chunk == 0 ? a.cols() : o.chunk;
  Matrix c(a.rows(), b.cols());
  for (Index i = 0; i < a.rows(); ++i) {
    for (Index j = 0; j < b.cols(); ++j) {
      double outer = 0;
      for (Index k0 = 0; k0 < a.cols(); k0 += chunk) {
        double inner = 0;
        for (Index k = k0; k < std::min(a.cols(), k0 + chunk); ++k) {
          const double p = RoundToFormat(o.a_format, static_cast<double>(a(i, k))) *
                           RoundToFormat(o.b_format, static_cast<double>(b(k, j)));
          inner = RoundToFormat(o.accum_format, inner + RoundToFormat(o.product_format, p));
        }
        outer = RoundToFormat(o.accum_format, outer + inner);
      }
      c(i, j) = static_cast<float>(outer);
    }
  }
  return c;
}

LowpGemmOptions Fp8Options(Index chunk) {
  LowpGemmOptions o;
  o.a_format = o.b_format = FormatByName("fp8_152");
  o.product_format = o.accum_format = FormatByName("fp16_169");
  o.chunk = chunk;
  return o;
}

Matrix RandomMatrix(Index r, Index c, std::uint64_t seed, float scale = 1.0f) {
  Rng rng(seed);
  Matrix m(r, c);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = scale * static_cast<float>(rng.Uniform() * 2 - 1);
  return m;
}

TEST(LowpGemm, MatchesSequentialReferenceBitExactly) {
  const Matrix a = RandomMatrix(37, 130, 1, 3.0f), b = RandomMatrix(130, 11, 2, 50.0f);
  for (Index chunk : {Index{1}, Index{3}, Index{64}, Index{0}}) {
    const LowpGemmOptions o = Fp8Options(chunk);
    Matrix c;
    LowpGemm(a, false, b, false, c, o);
    const Matrix want = Reference(a, b, o);
    EXPECT_EQ(c, want) << "chunk " << chunk << " max diff " << (c - want).cwiseAbs().maxCoeff();
    // Transposed operands give the same numbers.
    Matrix ct;
    const Matrix at = a.transpose(), bt = b.transpose();
    LowpGemm(at, true, bt, true, ct, o);
    EXPECT_EQ(ct, want) << "chunk " << chunk;
  }
  LowpGemmOptions e4 = Fp8Options(16);
  e4.a_format = FormatByName("e4m3");
  e4.accum_format = e4.product_format = FormatByName("fp16");
  Matrix c;
  LowpGemm(a, false, b, false, c, e4);
  EXPECT_EQ(c, Reference(a, b, e4));
}

// 16-bit (1,6,9) operands (the first/last layers of the FP8 recipe): their products need
// rounding into the (1,6,9) product format before each accumulation step. Magnitudes from
// subnormal products to overflowing sums, every chunking, bit-exact against the reference.
TEST(LowpGemm, RoundedProductsMatchReference) {
  for (const float scale : {1.0f, 3e-6f, 2e4f}) {
    const Matrix a = RandomMatrix(37, 130, 3, scale), b = RandomMatrix(130, 11, 4, 50.0f * scale);
    for (Index chunk : {Index{1}, Index{3}, Index{64}, Index{0}}) {
      LowpGemmOptions o = Fp8Options(chunk);
      o.a_format = o.b_format = FormatByName("fp16_169");
      Matrix c;
      LowpGemm(a, false, b, false, c, o);
      const Matrix want = Reference(a, b, o);
      for (Index i = 0; i < c.size(); ++i) {
        const float x = c.data()[i], y = want.data()[i];
        ASSERT_TRUE(x == y || (std::isnan(x) && std::isnan(y)))
            << "scale " << scale << " chunk " << chunk << " i " << i << ": " << x << " vs " << y;
      }
    }
  }
}

// The rounded-product path decides per tile between the 3-operation Veltkamp product
// rounding (every nonzero product in the normal range) and the magic kernel (a product may
// be subnormal): one tiny operand in one row and one column sends the tiles touching them
// down the second path, the rest down the first; all bit-exact against the reference, for
// 1 and 2 threads.
TEST(LowpGemm, RoundedProductsMixedTilesMatchReference) {
  Matrix a = RandomMatrix(70, 200, 5), b = RandomMatrix(200, 23, 6, 4.0f);
  a(3, 7) = 3e-12f;   // a * b below (1,6,9)'s smallest normal 2^-30
  b(11, 9) = -2e-11f;
  a.row(40).setZero();  // a zero panel row: its products are all zero
  LowpGemmOptions o = Fp8Options(64);
  o.a_format = o.b_format = FormatByName("fp16_169");
  const Matrix want = Reference(a, b, o);
  for (int threads : {1, 2}) {
    SetNumThreads(threads);
    Matrix c;
    LowpGemm(a, false, b, false, c, o);
    EXPECT_EQ(c, want) << threads << " threads, max diff " << (c - want).cwiseAbs().maxCoeff();
    o.a_format = FormatByName("e5m2");  // (1,5,2) x (1,6,9): the first layer's weight gradient
    LowpGemm(a, false, b, false, c, o);
    EXPECT_EQ(c, Reference(a, b, o)) << threads << " threads";
    o.a_format = FormatByName("fp16_169");
  }
  SetNumThreads(0);
}

// Zero skipping: B panels with zero (and -0) entries at most k skip those k; exact against
// the reference for every Veltkamp path (fp8 x fp8 exact products, (1,6,9) rounded
// products), and an inf in A still meets B's zeros (inf * 0 = NaN, as the reference says).
TEST(LowpGemm, ZeroSkippingIsExact) {
  Matrix a = RandomMatrix(40, 150, 7, 2.0f), b = RandomMatrix(150, 13, 8, 3.0f);
  Rng rng(9);
  for (Index i = 0; i < b.size(); ++i) {
    if (rng.Uniform() < 0.8) b.data()[i] = (rng.Uniform() < 0.5) ? 0.0f : -0.0f;
  }
  b.row(3).setZero();
  for (const char* fmt : {"fp8_152", "fp16_169"}) {
    for (Index chunk : {Index{1}, Index{16}, Index{0}}) {
      LowpGemmOptions o = Fp8Options(chunk);
      o.a_format = o.b_format = FormatByName(fmt);
      Matrix c;
      LowpGemm(a, false, b, false, c, o);
      const Matrix want = Reference(a, b, o);
      for (Index i = 0; i < c.size(); ++i) {
        ASSERT_EQ(std::memcmp(&c.data()[i], &want.data()[i], 4), 0)
            << fmt << " chunk " << chunk << " i " << i << ": " << c.data()[i] << " vs " << want.data()[i];
      }
    }
  }
  Matrix ainf = a;
  ainf(5, 3) = std::numeric_limits<float>::infinity();  // meets b's all-zero row 3
  LowpGemmOptions o = Fp8Options(64);
  Matrix c;
  LowpGemm(ainf, false, b, false, c, o);
  const Matrix want = Reference(ainf, b, o);
  EXPECT_TRUE(std::isnan(want(5, 0)));
  for (Index i = 0; i < c.size(); ++i) {
    const float x = c.data()[i], y = want.data()[i];
    EXPECT_TRUE(x == y || (std::isnan(x) && std::isnan(y))) << "i " << i << ": " << x << " vs " << y;
  }
}

TEST(LowpGemm, OverflowingSumsMatchReference) {
  // Products up to 57344^2 = 3.3e9: a few of them overflow (1,6,9) (max 8.6e9) to the +-inf
  // marker, and later terms of the other sign must not bring the sum back (exact fallback).
  Matrix a(3, 6), b(6, 2);
  a << 57344, 57344, 57344, -57344, -57344, -57344,  //
      1, 2, 3, 4, 5, 6,                              //
      -57344, -57344, -57344, 1, 1, 1;
  b << 57344, 57344, 57344, 57344, 57344, 57344,  //
      1, -1, 1, -1, 1, -1;
  for (Index chunk : {Index{1}, Index{2}, Index{0}}) {
    const LowpGemmOptions o = Fp8Options(chunk);
    Matrix c;
    LowpGemm(a, false, b, false, c, o);
    const Matrix want = Reference(a, b, o);
    EXPECT_TRUE(std::isinf(want(0, 0)) || std::isnan(want(0, 0))) << "test does not overflow";
    for (Index i = 0; i < c.size(); ++i) {
      const float x = c.data()[i], y = want.data()[i];
      EXPECT_TRUE(x == y || (std::isnan(x) && std::isnan(y)))
          << "chunk " << chunk << " i " << i << ": " << x << " vs " << y;
    }
  }
}

// The 3-operation Veltkamp rounding used for accumulation steps equals nearest-even on p
// bits for every float32 in [1, 4) (two binades, including the carry into the next one); the
// operations commute with scaling by 2^k, which extends this to all normal-range inputs.
TEST(DoubleRounding, VeltkampSplitIsNearestEvenExhaustive) {
  using V = internal::NativeV;
  std::vector<float> xs(1u << 24), ys(xs.size());
  for (std::uint32_t i = 0; i < xs.size(); ++i) {
    const std::uint32_t bits = 0x3f800000u + i;
    std::memcpy(&xs[i], &bits, 4);
  }
  for (const char* name : {"e5m2", "e4m3", "bf16", "fp16_169", "fp16"}) {
    const FloatFormat f = FormatByName(name);
    const internal::VeltkampRound<V> round(f.mantissa_bits);
    for (std::size_t i = 0; i < xs.size(); i += V::kWidth) V::Store(&ys[i], round(V::Load(&xs[i])));
    long bad = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) bad += ys[i] != RoundToFormat(f, xs[i]);
    EXPECT_EQ(bad, 0) << name;
  }
}

// The rounded-product fast path of LowpGemm: a product p = a b of two operands whose
// precisions sum to <= 24 is exact in float32, and when p = 0 or p lies in the product
// format's normal range (and below its largest value) the 3-operation Veltkamp rounding of
// p equals the in-range magic-constant rounding used before, bit for bit. Checked over
// every pair of finite operand codes of e5m2 x (1,6,9) and e4m3 x (1,6,9), and every
// positive (1,6,9) code times every (1,6,9) significand in two binades (one near the
// smallest normal product, where the condition starts to hold); sign symmetry covers the
// negatives of the last set.
TEST(DoubleRounding, VeltkampRoundsInRangeProductsLikeTheMagicKernel) {
  using V = internal::NativeV;
  const FloatFormat prod = FormatByName("fp16_169");
  const internal::VecRound<V> magic(internal::MakeRoundConstants(prod));
  const internal::VeltkampRound<V> veltkamp(prod.mantissa_bits);
  const float min_normal = static_cast<float>(prod.MinNormal()), max_finite = static_cast<float>(prod.MaxFinite());
  const auto codes = [](const FloatFormat& f, bool positive_only) {
    std::vector<float> v;
    const std::uint64_t n = std::uint64_t{1} << (f.Bits() - (positive_only ? 1 : 0));
    for (std::uint64_t c = 0; c < n; ++c) {
      const double x = Decode(f, c);
      if (std::isfinite(x)) v.push_back(static_cast<float>(x));
    }
    return v;
  };
  long checked = 0, bad = 0;
  std::vector<float> p(V::kWidth), y1(V::kWidth), y2(V::kWidth);
  const auto check = [&](const std::vector<float>& as, const std::vector<float>& bs) {
    std::vector<float> ps;
    ps.reserve(as.size() * bs.size() / 4);
    for (float a : as) {
      for (float b : bs) {
        const float q = a * b;  // exact: precisions sum to <= 24, no float32 underflow
        const float aq = std::fabs(q);
        if (q == 0.0f || (aq >= min_normal && aq <= max_finite)) ps.push_back(q);
      }
      if (ps.size() >= (1u << 20) || a == as.back()) {
        while (ps.size() % V::kWidth != 0) ps.push_back(0.0f);
        for (std::size_t i = 0; i < ps.size(); i += V::kWidth) {
          const auto x = V::Load(&ps[i]);
          V::Store(y1.data(), veltkamp(x));
          V::Store(y2.data(), magic.NearestInRange(x));
          for (int l = 0; l < V::kWidth; ++l) {
            if (std::memcmp(&y1[l], &y2[l], 4) != 0 && ++bad < 5) {
              ADD_FAILURE() << std::hexfloat << "p=" << ps[i + l] << " veltkamp " << y1[l] << " magic " << y2[l];
            }
          }
        }
        checked += static_cast<long>(ps.size());
        ps.clear();
      }
    }
  };
  const std::vector<float> f169 = codes(prod, false);
  check(codes(FormatByName("e5m2"), false), f169);
  check(codes(FormatByName("e4m3"), false), f169);
  std::vector<float> sig;  // the 1024 significands of [1, 2), and the same scaled by 2^-20
  for (int m = 0; m < 1024; ++m) sig.push_back(1.0f + static_cast<float>(m) / 1024.0f);
  for (int m = 0; m < 1024; ++m) sig.push_back(std::ldexp(1.0f + static_cast<float>(m) / 1024.0f, -20));
  check(codes(prod, true), sig);
  EXPECT_EQ(bad, 0);
  EXPECT_GT(checked, 50'000'000L);
}

TEST(LowpGemm, Fp32FormatsEqualFp32Gemm) {
  const Matrix a = RandomMatrix(20, 50, 3), b = RandomMatrix(50, 9, 4);
  Matrix c, ref;
  LowpGemmOptions o;  // all fp32
  LowpGemm(a, false, b, false, c, o);
  ParallelGemm(a, false, b, false, ref);
  EXPECT_EQ(c, ref);
}

TEST(LowpGemm, ThreadCountInvariantIncludingStochastic) {
  const Matrix a = RandomMatrix(70, 200, 5), b = RandomMatrix(200, 33, 6);
  LowpGemmOptions o = Fp8Options(32);
  o.accum_rounding = Rounding::kStochastic;
  const int saved = NumThreads();
  Matrix c1, c2;
  SetNumThreads(1);
  LowpGemm(a, false, b, false, c1, o, 77);
  SetNumThreads(2);
  LowpGemm(a, false, b, false, c2, o, 77);
  SetNumThreads(saved);
  EXPECT_EQ(c1, c2);
  Matrix c3;
  LowpGemm(a, false, b, false, c3, o, 78);
  EXPECT_NE(c1, c3);  // a different seed gives different rounding somewhere
}

TEST(LowpGemm, StochasticAccumulationIsUnbiased) {
  // 1 x 256 dot products of (1,6,9) values whose running sums are not representable: the
  // mean over seeds of the SR result converges to the exact sum (sigma from the sample).
  const Matrix a = RandomMatrix(1, 256, 8, 1.0f).cwiseAbs(), b = Matrix::Constant(256, 1, 1.0f);
  LowpGemmOptions o;
  o.a_format = o.b_format = o.product_format = o.accum_format = FormatByName("fp16_169");
  o.chunk = 1;
  o.accum_rounding = Rounding::kStochastic;
  double exact = 0;
  for (Index k = 0; k < 256; ++k) exact += RoundToFormat(o.a_format, static_cast<double>(a(0, k)));
  const int runs = 400;
  double sum = 0, sum2 = 0;
  for (int s = 0; s < runs; ++s) {
    Matrix c;
    LowpGemm(a, false, b, false, c, o, static_cast<std::uint64_t>(s));
    sum += c(0, 0);
    sum2 += static_cast<double>(c(0, 0)) * c(0, 0);
  }
  const double mean = sum / runs, sd = std::sqrt(sum2 / runs - mean * mean);
  EXPECT_GT(sd, 0.0);
  EXPECT_NEAR(mean, exact, 5 * sd / std::sqrt(runs)) << "sd " << sd;
}

TEST(LowpGemm, AddingOnesInHalfStallsAt2048) {
  // NUMERICS.md: adding 1.0 repeatedly in IEEE half stalls at 2048 (2048 + 1 ties to even).
  const Matrix ones_row = Matrix::Ones(1, 4096), ones_col = Matrix::Ones(4096, 1);
  LowpGemmOptions o;
  o.a_format = o.b_format = o.product_format = o.accum_format = FormatByName("fp16");
  o.chunk = 1;
  Matrix c;
  LowpGemm(ones_row, false, ones_col, false, c, o);
  EXPECT_EQ(c(0, 0), 2048.0f);
  o.chunk = 64;  // 64 chunk sums of 64 are exact
  LowpGemm(ones_row, false, ones_col, false, c, o);
  EXPECT_EQ(c(0, 0), 4096.0f);
}

TEST(LowpGemm, SwampingDemo) {
  // Sum of 16384 values uniform in [0, 1): naive 16-bit accumulation stalls, CL = 64 does not.
  constexpr Index kN = 16384;
  Rng rng(2018);
  Matrix a(1, kN);
  for (Index k = 0; k < kN; ++k) a(0, k) = static_cast<float>(rng.Uniform());
  const Matrix ones = Matrix::Constant(kN, 1, 1.0f);
  for (const char* name : {"fp16_169", "fp16"}) {
    LowpGemmOptions o;
    o.a_format = o.product_format = o.accum_format = FormatByName(name);
    Matrix q = a;
    RoundMatrix(o.a_format, q);
    double fp32 = 0;  // float32 sum of the same quantised values (exact in double here)
    float f32 = 0.0f;
    for (Index k = 0; k < kN; ++k) f32 += q(0, k), fp32 += q(0, k);
    Matrix naive, chunked;
    o.chunk = 1;
    LowpGemm(a, false, ones, false, naive, o);
    o.chunk = 64;
    LowpGemm(a, false, ones, false, chunked, o);
    const double ulp = std::ldexp(1.0, std::ilogb(fp32) - o.accum_format.mantissa_bits);
    std::printf("[swamping %s] exact %.3f fp32 %.3f naive(CL=1) %.3f (%.1f%% off) CL=64 %.3f (%.2f ulps off)\n", name,
                fp32, f32, naive(0, 0), 100 * std::fabs(naive(0, 0) - fp32) / fp32, chunked(0, 0),
                std::fabs(chunked(0, 0) - fp32) / ulp);
    EXPECT_GT(std::fabs(naive(0, 0) - fp32), 0.5 * fp32);
    // 256 chunk sums added with <= half-ulp errors each: 5 sigma of that random walk plus the
    // final rounding, sigma = sqrt(256 / 12) ulp ~= 4.6 ulp.
    EXPECT_LT(std::fabs(chunked(0, 0) - fp32), (5 * std::sqrt(256.0 / 12.0) + 0.5) * ulp);
  }
}

}  // namespace
}  // namespace pcmsim::numerics
