// IR drop along crossbar wires: a fast first-order model that folds the drop into an
// effective conductance matrix (no run-time cost), and an exact nodal solve as its oracle.
#pragma once

#include "pcmsim/core/types.hpp"

namespace pcmsim::crossbar {

// Geometry (both models): G is out x in (rows i = output lines, columns j = input lines).
// Input line j is driven at its i = 0 end through one wire segment; output line i is held
// at virtual ground by its sense amplifier past its j = n-1 end through one wire segment.
// Every segment between neighbouring cells, and to the driver / amplifier, has resistance
// r_wire (ohm). Cells are linear conductances, so the network maps input voltages to output
// currents linearly: y = G_eff V, whatever the input encoding (amplitude or pulse width,
// by superposition in time).

// Fast model. To first order in r_wire * G, the voltage seen by cell (i, j) is
//   V_j - r_wire * V_j * A_ij - r_wire * sum_l G_il V_l (n - max(j, l)),
//   A_ij = sum_l G_lj (min(i, l) + 1),
// and the output-line term reduces to r_wire * B_il with B_il = sum_j G_ij (n - max(j, l)).
// So y = (G - r_wire * G o (A + B)) V to first order; the returned matrix uses the
// resummed form G_eff = G / (1 + r_wire (A + B)), equal to first order and closer to the
// exact network when the drop is large. A and B are cumulative sums: O(out * in).
MatrixD IrDropEffectiveFast(const MatrixD& g, double r_wire);

// Exact nodal analysis (Kirchhoff's current law at all 2 * out * in wire nodes, sparse
// Cholesky). Returns the output currents (out x batch) for input voltages v (in x batch).
// For small arrays (test oracle): 64 x 64 takes a few milliseconds.
MatrixD IrDropExactOutputs(const MatrixD& g, double r_wire, const MatrixD& v);

// The exact effective matrix: IrDropExactOutputs for the identity input.
MatrixD IrDropEffectiveExact(const MatrixD& g, double r_wire);

}  // namespace pcmsim::crossbar
