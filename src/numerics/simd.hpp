// Internal: a thin vector abstraction (AVX-512, AVX2, scalar) used by the rounding kernels
// and the low-precision GEMM, so one template source serves every instruction set.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace pcmsim::numerics::internal {

// Scalar lane: the portable path and the reference for the vector ones. MulAdd may be fused
// or not; callers use it only where a * b is exact in float32, so both give the same bits.
struct ScalarV {
  using F = float;
  using I = std::uint32_t;
  using M = bool;
  static constexpr int kWidth = 1;
  static F Load(const float* p) { return *p; }
  static void Store(float* p, F v) { *p = v; }
  static I LoadI(const std::uint32_t* p) { return *p; }
  static void StoreI(std::uint32_t* p, I v) { *p = v; }
  static F Set(float v) { return v; }
  static I SetI(std::uint32_t v) { return v; }
  static I AsI(F v) { I i; std::memcpy(&i, &v, 4); return i; }
  static F AsF(I v) { F f; std::memcpy(&f, &v, 4); return f; }
  static F Add(F a, F b) { return a + b; }
  static F Sub(F a, F b) { return a - b; }
  static F Mul(F a, F b) { return a * b; }
  static F MulAdd(F a, F b, F c) { return a * b + c; }  // two roundings; see Fma users
  // Hides how v was computed from the optimiser (no fp contraction across this point).
#if defined(__x86_64__) && defined(__SSE__)
  static void Opaque(F& v) { asm("" : "+x"(v)); }
#else
  static void Opaque(F& v) { const volatile F copy = v; v = copy; }
#endif
  static I MaxU(I a, I b) { return a > b ? a : b; }
  static I And(I a, I b) { return a & b; }
  static I AndNot(I mask, I a) { return a & ~mask; }
  static I Or(I a, I b) { return a | b; }
  static I Xor(I a, I b) { return a ^ b; }
  static I AddI(I a, I b) { return a + b; }
  template <int k> static I Shr(I a) { return a >> k; }
  template <int k> static I Shl(I a) { return a << k; }
  static I ShrV(I a, int k) { return k >= 32 ? 0u : a >> k; }
  static I MaxI(I a, I b) { return a > b ? a : b; }
  static I MinI(I a, I b) { return a < b ? a : b; }
  static M GtF(F a, F b) { return a > b; }
  static M LtF(F a, F b) { return a < b; }
  static M LtI(I a, I b) { return a < b; }
  static M IsNaN(F a) { return a != a; }
  static F Select(M m, F t, F f) { return m ? t : f; }
  static I SelectI(M m, I t, I f) { return m ? t : f; }
};

#if defined(__AVX512F__)
struct Avx512V {
  using F = __m512;
  using I = __m512i;
  using M = __mmask16;
  static constexpr int kWidth = 16;
  static F Load(const float* p) { return _mm512_loadu_ps(p); }
  static void Store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static I LoadI(const std::uint32_t* p) { return _mm512_loadu_si512(p); }
  static void StoreI(std::uint32_t* p, I v) { _mm512_storeu_si512(p, v); }
  static F Set(float v) { return _mm512_set1_ps(v); }
  static I SetI(std::uint32_t v) { return _mm512_set1_epi32(static_cast<int>(v)); }
  static I AsI(F v) { return _mm512_castps_si512(v); }
  static F AsF(I v) { return _mm512_castsi512_ps(v); }
  static F Add(F a, F b) { return _mm512_add_ps(a, b); }
  static F Sub(F a, F b) { return _mm512_sub_ps(a, b); }
  static F Mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F MulAdd(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static void Opaque(F& v) { asm("" : "+v"(v)); }
  static I MaxU(I a, I b) { return _mm512_max_epu32(a, b); }
  static I And(I a, I b) { return _mm512_and_si512(a, b); }
  static I AndNot(I mask, I a) { return _mm512_andnot_si512(mask, a); }
  static I Or(I a, I b) { return _mm512_or_si512(a, b); }
  static I Xor(I a, I b) { return _mm512_xor_si512(a, b); }
  static I AddI(I a, I b) { return _mm512_add_epi32(a, b); }
  template <int k> static I Shr(I a) { return _mm512_srli_epi32(a, k); }
  template <int k> static I Shl(I a) { return _mm512_slli_epi32(a, k); }
  static I ShrV(I a, int k) { return _mm512_srl_epi32(a, _mm_cvtsi32_si128(k)); }
  static I MaxI(I a, I b) { return _mm512_max_epi32(a, b); }
  static I MinI(I a, I b) { return _mm512_min_epi32(a, b); }
  static M GtF(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static M LtF(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static M LtI(I a, I b) { return _mm512_cmplt_epi32_mask(a, b); }
  static M IsNaN(F a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
  static F Select(M m, F t, F f) { return _mm512_mask_blend_ps(m, f, t); }
  static I SelectI(M m, I t, I f) { return _mm512_mask_blend_epi32(m, f, t); }
};
#endif

#if defined(__AVX2__)
struct Avx2V {
  using F = __m256;
  using I = __m256i;
  using M = __m256;
  static constexpr int kWidth = 8;
  static F Load(const float* p) { return _mm256_loadu_ps(p); }
  static void Store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static I LoadI(const std::uint32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static void StoreI(std::uint32_t* p, I v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
  static F Set(float v) { return _mm256_set1_ps(v); }
  static I SetI(std::uint32_t v) { return _mm256_set1_epi32(static_cast<int>(v)); }
  static I AsI(F v) { return _mm256_castps_si256(v); }
  static F AsF(I v) { return _mm256_castsi256_ps(v); }
  static F Add(F a, F b) { return _mm256_add_ps(a, b); }
  static F Sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F Mul(F a, F b) { return _mm256_mul_ps(a, b); }
#if defined(__FMA__)
  static F MulAdd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
#else
  static F MulAdd(F a, F b, F c) { return _mm256_add_ps(_mm256_mul_ps(a, b), c); }
#endif
  static I MaxU(I a, I b) { return _mm256_max_epu32(a, b); }
  static void Opaque(F& v) { asm("" : "+x"(v)); }
  static I And(I a, I b) { return _mm256_and_si256(a, b); }
  static I AndNot(I mask, I a) { return _mm256_andnot_si256(mask, a); }
  static I Or(I a, I b) { return _mm256_or_si256(a, b); }
  static I Xor(I a, I b) { return _mm256_xor_si256(a, b); }
  static I AddI(I a, I b) { return _mm256_add_epi32(a, b); }
  template <int k> static I Shr(I a) { return _mm256_srli_epi32(a, k); }
  template <int k> static I Shl(I a) { return _mm256_slli_epi32(a, k); }
  static I ShrV(I a, int k) { return _mm256_srl_epi32(a, _mm_cvtsi32_si128(k)); }
  static I MaxI(I a, I b) { return _mm256_max_epi32(a, b); }
  static I MinI(I a, I b) { return _mm256_min_epi32(a, b); }
  static M GtF(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static M LtF(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static M LtI(I a, I b) { return _mm256_castsi256_ps(_mm256_cmpgt_epi32(b, a)); }
  static M IsNaN(F a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
  static F Select(M m, F t, F f) { return _mm256_blendv_ps(f, t, m); }
  static I SelectI(M m, I t, I f) { return AsI(_mm256_blendv_ps(AsF(f), AsF(t), m)); }
};
#endif

// The widest vector type this translation unit was compiled for.
#if defined(__AVX512F__)
using NativeV = Avx512V;
#elif defined(__AVX2__)
using NativeV = Avx2V;
#else
using NativeV = ScalarV;
#endif

}  // namespace pcmsim::numerics::internal
