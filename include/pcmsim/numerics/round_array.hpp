// Vectorised rounding of float arrays into a FloatFormat (operand quantisation, GEMM
// epilogues). Nearest-even results are bit-identical to the scalar RoundToFormat.
#pragma once

#include <cstdint>

#include "pcmsim/core/types.hpp"
#include "pcmsim/numerics/float_format.hpp"

namespace pcmsim::numerics {

// out[i] = RoundToFormat(f, in[i]) for i < n (in == out allowed). Stochastic rounding draws
// its random bits from streams seeded by `seed` (same seed, same n -> same bits). Formats
// without a float32 fast path fall back to the exact scalar conversion.
void RoundArray(const FloatFormat& f, const float* in, float* out, Index n,
                Rounding rounding = Rounding::kNearest, std::uint64_t seed = 0);

// In-place convenience for a whole matrix (column-major storage is contiguous).
void RoundMatrix(const FloatFormat& f, Matrix& m, Rounding rounding = Rounding::kNearest,
                 std::uint64_t seed = 0);

// True if f has a branch-free float32 fast path (RoundArray, low-precision GEMM rounding).
bool HasFastPath(const FloatFormat& f);

}  // namespace pcmsim::numerics
