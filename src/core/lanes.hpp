// 16 floats as one value, for the kernels of batch_rows.cpp and direct_conv.cpp (private
// to pcmsim_core). Every operation is lane-wise with one rounding per lane, so the bits of
// a kernel written with these do not depend on the target's vector width.
#pragma once

#include <cstring>
#include <type_traits>

#if defined(__AVX512F__) || defined(__FMA__)
#include <immintrin.h>
#endif

namespace pcmsim::lanes {

constexpr int kLanes = 16;
// 16 floats as one value: the compiler maps it onto whatever vector registers the target
// has (one AVX-512 register, two AVX ones, ...); the arithmetic is lane-wise, so the bits
// do not depend on the target.
typedef float Lanes __attribute__((vector_size(kLanes * sizeof(float))));

inline Lanes Load(const float* p) {
  Lanes v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// c + a * b per lane with one rounding (fused multiply-add), spelled out so that the bits
// do not depend on whether the compiler contracts (the files using it are built with
// -ffp-contract=off) or on the target: one FMA instruction where the target has it.
inline Lanes FusedMulAdd(Lanes a, Lanes b, Lanes c) {
#if defined(__AVX512F__)
  return reinterpret_cast<Lanes>(_mm512_fmadd_ps(reinterpret_cast<__m512>(a), reinterpret_cast<__m512>(b),
                                                 reinterpret_cast<__m512>(c)));
#elif defined(__FMA__)
  __m256 h[3][2];
  std::memcpy(h[0], &a, sizeof a);
  std::memcpy(h[1], &b, sizeof b);
  std::memcpy(h[2], &c, sizeof c);
  const __m256 r[2] = {_mm256_fmadd_ps(h[0][0], h[1][0], h[2][0]), _mm256_fmadd_ps(h[0][1], h[1][1], h[2][1])};
  Lanes out;
  std::memcpy(&out, r, sizeof out);
  return out;
#else
  Lanes r;
  for (int l = 0; l < kLanes; ++l) r[l] = __builtin_fmaf(a[l], b[l], c[l]);
  return r;
#endif
}

// The lanes' sum as a fixed pairwise tree: (0+8, 1+9, ...) then (0+4, ...), (0+2, 1+3), 0+1.
inline float TreeSum(Lanes v) {
  float s[kLanes];
  std::memcpy(s, &v, sizeof s);
  for (int width = kLanes / 2; width >= 1; width /= 2) {
    for (int i = 0; i < width; ++i) s[i] += s[i + width];
  }
  return s[0];
}

inline void Store(float* p, Lanes v) { std::memcpy(p, &v, sizeof v); }

// Calls f(std::integral_constant<int, n>{}) for the block size n clamped to [1, kMax]: the
// kernels' register blocks are template sizes, and a row or channel tail picks a smaller one.
template <int kMax, typename F>
void WithBlockSize(long n, F&& f) {
  if constexpr (kMax > 1) {
    if (n < kMax) return WithBlockSize<kMax - 1>(n, f);
  }
  f(std::integral_constant<int, kMax>{});
}

}  // namespace pcmsim::lanes
