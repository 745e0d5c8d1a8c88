// First-order IR-drop model by cumulative sums, and the exact nodal solve with Eigen's
// sparse LDL^T (the conductance Laplacian with grounded boundaries is SPD).
#include "pcmsim/crossbar/ir_drop.hpp"

#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>
#include <vector>

#include "pcmsim/core/error.hpp"

namespace pcmsim::crossbar {

MatrixD IrDropEffectiveFast(const MatrixD& g, double r_wire) {
  PCMSIM_CHECK(r_wire >= 0.0, "r_wire = ", r_wire);
  if (r_wire == 0.0) return g;
  const Index m = g.rows(), n = g.cols();
  MatrixD a(m, n), b(m, n);
  // Input line j: suffix sums T_kj = sum_{l >= k} G_lj, then A = prefix sums of T over i.
  for (Index j = 0; j < n; ++j) {
    double suffix = 0.0;
    for (Index i = m - 1; i >= 0; --i) {
      suffix += g(i, j);
      a(i, j) = suffix;
    }
    double prefix = 0.0;
    for (Index i = 0; i < m; ++i) {
      prefix += a(i, j);
      a(i, j) = prefix;
    }
  }
  // Output line i: prefix sums P_is = sum_{l <= s} G_il, then B = suffix sums of P over j.
  // Column-major friendly: sweep whole columns.
  b.col(0) = g.col(0);
  for (Index j = 1; j < n; ++j) b.col(j) = b.col(j - 1) + g.col(j);
  for (Index j = n - 2; j >= 0; --j) b.col(j) += b.col(j + 1);
  return (g.array() / (1.0 + r_wire * (a.array() + b.array()))).matrix();
}

namespace {

// Index of input-line node (line j, position i) and output-line node (line i, position j).
struct NodeMap {
  Index m, n;
  Index In(Index i, Index j) const { return j * m + i; }
  Index Out(Index i, Index j) const { return m * n + i * n + j; }
};

Eigen::SparseMatrix<double> NodalMatrix(const MatrixD& g, double gw, const NodeMap& map) {
  const Index m = map.m, n = map.n;
  std::vector<Eigen::Triplet<double>> t;
  t.reserve(static_cast<size_t>(10 * m * n));
  for (Index j = 0; j < n; ++j) {
    for (Index i = 0; i < m; ++i) {
      const Index a = map.In(i, j), b = map.Out(i, j);
      const double gc = g(i, j);
      // Input node: segment towards the driver (always), towards i+1 (if any), the cell.
      double diag_a = gw + gc;
      if (i + 1 < m) {
        diag_a += gw;
        t.emplace_back(a, map.In(i + 1, j), -gw);
        t.emplace_back(map.In(i + 1, j), a, -gw);
      }
      t.emplace_back(a, a, diag_a);
      // Output node: segment towards j+1 or the amplifier (always), towards j-1 (if any).
      double diag_b = gw + gc;
      if (j > 0) {
        diag_b += gw;
        t.emplace_back(b, map.Out(i, j - 1), -gw);
        t.emplace_back(map.Out(i, j - 1), b, -gw);
      }
      t.emplace_back(b, b, diag_b);
      t.emplace_back(a, b, -gc);
      t.emplace_back(b, a, -gc);
    }
  }
  Eigen::SparseMatrix<double> k(2 * m * n, 2 * m * n);
  k.setFromTriplets(t.begin(), t.end());
  return k;
}

}  // namespace

MatrixD IrDropExactOutputs(const MatrixD& g, double r_wire, const MatrixD& v) {
  PCMSIM_CHECK(r_wire > 0.0, "exact IR-drop solve needs r_wire > 0, got ", r_wire);
  PCMSIM_CHECK(v.rows() == g.cols(), "inputs ", v.rows(), " vs array columns ", g.cols());
  const NodeMap map{g.rows(), g.cols()};
  const double gw = 1.0 / r_wire;
  const Eigen::SparseMatrix<double> k = NodalMatrix(g, gw, map);
  Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> solver(k);
  PCMSIM_CHECK(solver.info() == Eigen::Success, "nodal matrix factorisation failed");
  // Right-hand side: the drivers inject gw * V_j at the i = 0 node of each input line.
  MatrixD rhs = MatrixD::Zero(2 * map.m * map.n, v.cols());
  for (Index j = 0; j < map.n; ++j) rhs.row(map.In(0, j)) = gw * v.row(j);
  const MatrixD nodes = solver.solve(rhs);
  MatrixD y(map.m, v.cols());
  for (Index i = 0; i < map.m; ++i) y.row(i) = gw * nodes.row(map.Out(i, map.n - 1));
  return y;
}

MatrixD IrDropEffectiveExact(const MatrixD& g, double r_wire) {
  return IrDropExactOutputs(g, r_wire, MatrixD::Identity(g.cols(), g.cols()));
}

}  // namespace pcmsim::crossbar
