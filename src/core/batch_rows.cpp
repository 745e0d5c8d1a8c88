// Kernels for the batch-along-rows layout (batch_rows.hpp).
#include "pcmsim/core/batch_rows.hpp"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"
#include "lanes.hpp"

namespace pcmsim {

namespace {

using namespace lanes;

// out(i, j) for i < kP columns of a from column a0, j < kQ columns of b from column b0,
// over rows [r0, r1): the sum of one chunk, as InnerProducts documents it.
template <int kP, int kQ>
void ChunkBlock(const Matrix& a, Index a0, const Matrix& b, Index b0, Index r0, Index r1, float* out, Index out_rows) {
  const Index n = a.rows();
  const float* pa = a.data() + a0 * n;
  const float* pb = b.data() + b0 * n;
  Lanes acc[kQ][kP] = {};
  Index r = r0;
  for (; r + kLanes <= r1; r += kLanes) {
    Lanes va[kP];
    for (int i = 0; i < kP; ++i) va[i] = Load(pa + i * n + r);
    for (int j = 0; j < kQ; ++j) {
      const Lanes vb = Load(pb + j * n + r);
      for (int i = 0; i < kP; ++i) acc[j][i] = FusedMulAdd(va[i], vb, acc[j][i]);
    }
  }
  for (int j = 0; j < kQ; ++j) {
    for (int i = 0; i < kP; ++i) {
      float s = TreeSum(acc[j][i]);
      for (Index t = r; t < r1; ++t) s = __builtin_fmaf(pa[i * n + t], pb[j * n + t], s);
      out[j * out_rows + i] = s;
    }
  }
}

template <int kQ>
void ChunkColumns(int p, const Matrix& a, Index a0, const Matrix& b, Index b0, Index r0, Index r1, float* out,
                  Index out_rows) {
  WithBlockSize<6>(p, [&](auto kp) { ChunkBlock<decltype(kp)::value, kQ>(a, a0, b, b0, r0, r1, out, out_rows); });
}

// Rows [r0, r1) of c = a * B for kM columns of c from column j0 (B(k, j) = b(k, j0 + j),
// or b(j0 + j, k) when transposed): 16 rows at a time, each entry summed over k in order.
template <int kM>
void TallBlock(const Matrix& a, const Matrix& b, bool transpose_b, Index j0, Index r0, Index r1, Matrix& c) {
  const Index n = a.rows(), depth = a.cols();
  auto coeff = [&](Index k, int j) { return transpose_b ? b(j0 + j, k) : b(k, j0 + j); };
  Index r = r0;
  for (; r + kLanes <= r1; r += kLanes) {
    Lanes acc[kM] = {};
    for (Index k = 0; k < depth; ++k) {
      const Lanes va = Load(a.data() + k * n + r);
      for (int j = 0; j < kM; ++j) acc[j] = FusedMulAdd(va, Lanes{} + coeff(k, j), acc[j]);
    }
    for (int j = 0; j < kM; ++j) std::memcpy(c.data() + (j0 + j) * n + r, &acc[j], sizeof(Lanes));
  }
  for (; r < r1; ++r) {
    for (int j = 0; j < kM; ++j) {
      float s = 0.0f;
      for (Index k = 0; k < depth; ++k) s = __builtin_fmaf(a(r, k), coeff(k, j), s);
      c(r, j0 + j) = s;
    }
  }
}

constexpr int kBlockP = 6, kBlockQ = 4, kBlockM = 8;

// The p x q sums of rows [r0, r1) into out (column-major, p rows).
void ChunkProducts(const Matrix& a, const Matrix& b, Index r0, Index r1, float* out) {
  const Index p = a.cols(), q = b.cols();
  for (Index j = 0; j < q; j += kBlockQ) {
    const bool whole = j + kBlockQ <= q;
    for (Index i = 0; i < p; i += kBlockP) {
      const int pi = static_cast<int>(std::min<Index>(kBlockP, p - i));
      if (whole) {
        ChunkColumns<kBlockQ>(pi, a, i, b, j, r0, r1, out + j * p + i, p);
      } else {
        for (Index jj = j; jj < q; ++jj) ChunkColumns<1>(pi, a, i, b, jj, r0, r1, out + jj * p + i, p);
      }
    }
  }
}

}  // namespace

void TallGemm(const Matrix& a, const Matrix& b, bool transpose_b, Matrix& c) {
  const Index n = a.rows(), k = a.cols(), m = transpose_b ? b.rows() : b.cols();
  if ((transpose_b ? b.cols() : b.rows()) != k) {
    throw DimensionError(StrCat("tall GEMM inner dimensions differ: ", n, "x", k, " times ",
                                transpose_b ? b.cols() : b.rows(), "x", m));
  }
  c.resize(n, m);
  ParallelFor(n, kTallRowBlock, [&](Index r0, Index r1) {
    for (Index j = 0; j < m; j += kBlockM) {
      WithBlockSize<kBlockM>(m - j, [&](auto km) { TallBlock<decltype(km)::value>(a, b, transpose_b, j, r0, r1, c); });
    }
  });
}

void InnerProducts(const Matrix& a, const Matrix& b, Matrix& c) {
  if (a.rows() != b.rows()) {
    throw DimensionError(StrCat("inner products of ", a.rows(), "x", a.cols(), " and ", b.rows(), "x", b.cols(),
                                ": the row counts differ"));
  }
  const Index n = a.rows(), p = a.cols(), q = b.cols(), chunks = (n + kInnerChunk - 1) / kInnerChunk;
  c.setZero(p, q);
  if (n == 0) return;
  // Each chunk's sums go to its own slot; the slots are added in chunk order afterwards.
  std::vector<float> partial(static_cast<std::size_t>(chunks * p * q));
  ParallelFor(chunks, 1, [&](Index c0, Index c1) {
    for (Index ch = c0; ch < c1; ++ch) {
      ChunkProducts(a, b, ch * kInnerChunk, std::min(n, (ch + 1) * kInnerChunk), partial.data() + ch * p * q);
    }
  });
  for (Index ch = 0; ch < chunks; ++ch) c += Eigen::Map<const Matrix>(partial.data() + ch * p * q, p, q);
}

void ColumnSums(const Matrix& a, Vector& out) {
  const Matrix ones = Matrix::Ones(a.rows(), 1);
  Matrix sums;
  InnerProducts(a, ones, sums);
  out = Eigen::Map<const Vector>(sums.data(), a.cols());
}

}  // namespace pcmsim
