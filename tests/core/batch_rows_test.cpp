// The batch-rows kernels against their documented summation orders (bit for bit), against
// double-precision products, for 1 and 2 threads, and their shape errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "pcmsim/core/batch_rows.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/core/parallel.hpp"
#include "pcmsim/core/random.hpp"
#include "test_util.hpp"

namespace pcmsim {
namespace {

using testing::SameBits;

// a multiply-add as the kernels do it: fused, one rounding
float MulAdd(float x, float y, float acc) { return std::fma(x, y, acc); }

// TallGemm's order: every entry summed over k from 0 up, starting at 0.
Matrix ReferenceTall(const Matrix& a, const Matrix& b, bool transpose_b) {
  const Matrix op = transpose_b ? Matrix(b.transpose()) : b;
  Matrix c(a.rows(), op.cols());
  for (Index r = 0; r < a.rows(); ++r)
    for (Index j = 0; j < op.cols(); ++j) {
      float s = 0.0f;
      for (Index k = 0; k < a.cols(); ++k) s = MulAdd(a(r, k), op(k, j), s);
      c(r, j) = s;
    }
  return c;
}

// InnerProducts' order: per chunk of kInnerChunk rows, 16 lanes (row r in lane r mod 16 of
// its whole group of 16), the lanes' pairwise tree, then the rest of the chunk's rows in
// order; chunk sums added in chunk order onto 0.
Matrix ReferenceInner(const Matrix& a, const Matrix& b) {
  const Index n = a.rows();
  Matrix c = Matrix::Zero(a.cols(), b.cols());
  for (Index i = 0; i < a.cols(); ++i)
    for (Index j = 0; j < b.cols(); ++j) {
      float total = 0.0f;
      for (Index r0 = 0; r0 < n; r0 += kInnerChunk) {
        const Index r1 = std::min(n, r0 + kInnerChunk), whole = r0 + (r1 - r0) / 16 * 16;
        float lane[16] = {};
        for (Index r = r0; r < whole; ++r) lane[(r - r0) % 16] = MulAdd(a(r, i), b(r, j), lane[(r - r0) % 16]);
        for (int width = 8; width >= 1; width /= 2)
          for (int t = 0; t < width; ++t) lane[t] += lane[t + width];
        float s = lane[0];
        for (Index r = whole; r < r1; ++r) s = MulAdd(a(r, i), b(r, j), s);
        total += s;
      }
      c(i, j) = total;
    }
  return c;
}

// The conv shapes of LeNet (50176 x 25 by 6, 6400 x 150 by 16), block tails (7 and 9
// columns, rows not a multiple of 16 or of the chunk) and a single row.
TEST(BatchRowsTest, TallGemmHasItsDocumentedBitsForAnyThreadCount) {
  testing::ThreadGuard guard;
  struct Shape {
    Index n, k, m;
  };
  for (const Shape& s : {Shape{50176, 25, 6}, Shape{6400, 150, 16}, Shape{3001, 7, 9}, Shape{1, 3, 2}}) {
    const Matrix a = testing::UniformMatrix(s.n, s.k, 1), b = testing::UniformMatrix(s.k, s.m, 2), bt = b.transpose();
    Matrix c1, c2, ct;
    SetNumThreads(1);
    TallGemm(a, b, false, c1);
    SetNumThreads(2);
    TallGemm(a, b, false, c2);
    TallGemm(a, bt, true, ct);
    EXPECT_TRUE(SameBits(c1, c2)) << s.n << "x" << s.k;
    EXPECT_TRUE(SameBits(c1, ct)) << s.n << "x" << s.k;
    const Matrix exact = (a.cast<double>() * b.cast<double>()).cast<float>();
    EXPECT_LT((c1 - exact).cwiseAbs().maxCoeff(), 1e-5f * static_cast<float>(s.k));
    if (s.n <= 6400) {
      EXPECT_TRUE(SameBits(c1, ReferenceTall(a, b, false))) << s.n << "x" << s.k;
    }
  }
}

TEST(BatchRowsTest, InnerProductsHaveTheirDocumentedBitsForAnyThreadCount) {
  testing::ThreadGuard guard;
  struct Shape {
    Index n, p, q;
  };
  for (const Shape& s : {Shape{50176, 6, 25}, Shape{6400, 16, 150}, Shape{1037, 7, 5}, Shape{9, 1, 3}}) {
    const Matrix a = testing::UniformMatrix(s.n, s.p, 3), b = testing::UniformMatrix(s.n, s.q, 4);
    Matrix c1, c2;
    SetNumThreads(1);
    InnerProducts(a, b, c1);
    SetNumThreads(2);
    InnerProducts(a, b, c2);
    EXPECT_TRUE(SameBits(c1, c2)) << s.n;
    const Matrix exact = (a.cast<double>().transpose() * b.cast<double>()).cast<float>();
    EXPECT_LT((c1 - exact).cwiseAbs().maxCoeff(), 1e-6f * static_cast<float>(s.n)) << s.n;
    EXPECT_TRUE(SameBits(c1, ReferenceInner(a, b))) << s.n;
    Vector sums;
    ColumnSums(a, sums);
    Matrix ones_product;
    InnerProducts(a, Matrix::Ones(s.n, 1), ones_product);
    EXPECT_TRUE(SameBits(Matrix(sums), ones_product));
  }
}

TEST(BatchRowsTest, MismatchedShapesAreRefused) {
  Matrix c;
  EXPECT_THROW(TallGemm(Matrix::Zero(10, 3), Matrix::Zero(4, 2), false, c), DimensionError);
  EXPECT_THROW(TallGemm(Matrix::Zero(10, 3), Matrix::Zero(3, 2), true, c), DimensionError);
  EXPECT_THROW(InnerProducts(Matrix::Zero(10, 3), Matrix::Zero(9, 2), c), DimensionError);
}

}  // namespace
}  // namespace pcmsim
