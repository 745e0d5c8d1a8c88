// Low-precision GEMM emulation: operands rounded to narrow formats, each product rounded to
// a product format, and every accumulation step rounded to an accumulator format, summed in
// chunks of CL products (Wang et al. NeurIPS 2018 chunk-based accumulation).
#pragma once

#include <cstdint>

#include "pcmsim/core/types.hpp"
#include "pcmsim/numerics/float_format.hpp"

namespace pcmsim::numerics {

// What a LowpGemm computes: for every C(i,j), with a = op(A)(i,k) rounded to a_format and
// b = op(B)(k,j) rounded to b_format (nearest-even), p_k = R_prod(a b) and
//   chunk sums  s_c = R(...R(R(p_k0) + p_k0+1)...)  over CL consecutive k,
//   C(i,j)      = R(...R(R(s_0) + s_1)...)          over the chunks,
// where R rounds to accum_format with accum_rounding. CL = 1 is naive accumulation.
// accum_format fp32 means plain float32 accumulation (Eigen, order unspecified, CL unused).
struct LowpGemmOptions {
  FloatFormat a_format;        // left operand format (default fp32 = no rounding)
  FloatFormat b_format;        // right operand format (default fp32)
  FloatFormat product_format;  // format each product is rounded to; precision must not exceed
                               // accum_format's (default fp32: products kept as float32)
  FloatFormat accum_format;    // accumulator format; fp32 or a format with a fast path and
                               // precision <= 11 bits (double rounding innocuous, see .cpp)
  Index chunk = 64;            // CL, products per chunk, >= 0; 0 = one chunk over all k
  Rounding accum_rounding = Rounding::kNearest;  // rounding of every accumulation step

  // Throws ConfigError naming the field, value and broken constraint.
  void Validate() const;
  // True when accumulation is plain float32 (Eigen path).
  bool Fp32Accumulation() const;
};

// C = op(A) op(B) emulated as described above (C is resized). `seed` keys the random
// streams of stochastic accumulation, one per output tile (results do not depend on the
// thread count). Throws DimensionError on mismatched shapes.
void LowpGemm(const Matrix& a, bool transpose_a, const Matrix& b, bool transpose_b, Matrix& c,
              const LowpGemmOptions& options, std::uint64_t seed = 0);

}  // namespace pcmsim::numerics
