// Products over a batch stored along the rows: activations as (samples x features)
// column-major matrices, each feature's values contiguous over the samples. This is the
// layout in which a convolution's many thin products (few output channels, tens of
// thousands of pixel columns) run at the speed of a tall GEMM: the long dimension is the
// one the kernels vectorise over. Every split depends on the shapes only, so the bits are
// the same for any thread count; each multiply-add is one fused multiply-add (one rounding),
// whatever the target and compiler flags.
#pragma once

#include "pcmsim/core/types.hpp"

namespace pcmsim {

// c = a * op(b), a tall (n x k), op(b) k x m with m and k small, on fixed blocks of
// kTallRowBlock rows of a and c: each entry is 0 plus its k products in order, one fused
// multiply-add each (16 rows per vector, up to 8 columns of c per register block).
inline constexpr Index kTallRowBlock = 1536;
void TallGemm(const Matrix& a, const Matrix& b, bool transpose_b, Matrix& c);

// c = a^T b (p x q) for a (n x p), b (n x q) with n long: every entry a dot product over
// the n rows. The rows are cut into chunks of kInnerChunk; within a chunk each entry is
// summed in 16 lanes (row r in lane r mod 16, rows past the last whole 16 added after the
// lanes' pairwise tree), and the chunk sums are added in chunk order. Cache-blocked: up to
// 6 columns of a and 4 of b share one pass over a chunk.
inline constexpr Index kInnerChunk = 512;
void InnerProducts(const Matrix& a, const Matrix& b, Matrix& c);

// out(j) = sum of column j of a, in the order InnerProducts sums against a column of ones.
void ColumnSums(const Matrix& a, Vector& out);

}  // namespace pcmsim
