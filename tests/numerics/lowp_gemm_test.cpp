// Low-precision GEMM: the per-step double-rounding argument checked against an exact
// integer reference on millions of pairs (with ties), the GEMM against a scalar sequential
// reference (bit-exact), thread-count invariance, fp32 equivalence and the swamping demo.
#include "pcmsim/numerics/lowp_gemm.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
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
