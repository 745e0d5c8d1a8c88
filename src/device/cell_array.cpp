// The CellArray seam's shared value types.
#include "pcmsim/device/cell_array.hpp"

#include <algorithm>
#include <cmath>

namespace pcmsim::device {

double ProgramStats::RmsError() const {
  return cells ? std::sqrt(sum_sq_error / double(cells)) : 0.0;
}

ProgramStats& ProgramStats::operator+=(const ProgramStats& o) {
  cells += o.cells;
  pulses += o.pulses;
  verify_reads += o.verify_reads;
  converged += o.converged;
  sum_error += o.sum_error;
  sum_sq_error += o.sum_sq_error;
  max_abs_error = std::max(max_abs_error, o.max_abs_error);
  return *this;
}

}  // namespace pcmsim::device
