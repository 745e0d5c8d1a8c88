// The one way pcmsim runs work on several threads. Work is cut into chunks whose bounds
// depend only on the problem size, never on the thread count, so that any code whose
// chunk results do not depend on which thread ran them is bit-reproducible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "pcmsim/core/types.hpp"

namespace pcmsim {

// Threads used by ParallelFor (pcmsim's own pool; OMP_* variables play no part).
// The default (n = 0) is PCMSIM_THREADS when set (a whole number >= 1; anything else is a
// ConfigError) or the hardware concurrency.
void SetNumThreads(int n);
int NumThreads();
// The most threads a ParallelFor actually ran since ResetThreadsUsed() (at most
// NumThreads(), often fewer: small problems have few chunks). Written into provenance.
int ThreadsUsed();
void ResetThreadsUsed();

// The cache sizes Eigen's GEMM blocking is computed from in every pcmsim process (set when
// pcmsim_core is loaded, whatever the host has), so that results do not depend on the
// host's caches; PCMSIM_EIGEN_CACHES=host keeps the host's sizes instead.
inline constexpr std::ptrdiff_t kEigenL1Bytes = 48 * 1024;
inline constexpr std::ptrdiff_t kEigenL2Bytes = 1280 * 1024;
inline constexpr std::ptrdiff_t kEigenL3Bytes = 32 * 1024 * 1024;

// Calls fn(begin, end) for consecutive chunks [begin, end) of [0, n), each at most
// `grain` long (the last may be shorter). Chunks may run concurrently; bounds depend only
// on n and grain. fn must not throw across threads (exceptions are rethrown on the caller).
void ParallelFor(Index n, Index grain, const std::function<void(Index, Index)>& fn);

// C = alpha * op(A) * op(B) + beta * C with Eigen, split into up to 4 blocks of C whose
// width depends only on the shapes, so the bits are the same for any thread count. Column
// blocks (from 1 MFLOP per block) keep the bits of Eigen's whole product for the shapes
// pcmsim splits that way (checked, see parallel.cpp); row blocks (tall
// products of 8 MFLOP or more, more rows than columns) change which Eigen kernel sums a
// row, and are kept as they were when the shipped results were computed.
void ParallelGemm(const Matrix& a, bool transpose_a, const Matrix& b, bool transpose_b,
                  Matrix& c, float alpha = 1.0f, float beta = 0.0f);

// The column block width (a multiple of 16) ParallelGemm uses to split a dimension of
// length `dim` of a product costing `flops`: a function of the shape only.
Index GemmBlockWidth(Index dim, double flops);

}  // namespace pcmsim
