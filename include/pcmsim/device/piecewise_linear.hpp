// A statistic of a cell as a piecewise-linear function of conductance, given as a table of
// knots (the shape measured data come in): linear between knots, constant beyond the ends.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pcmsim::device {

struct PiecewiseLinear {
  std::vector<double> x;  // knots, strictly increasing (S for conductance tables)
  std::vector<double> y;  // values at the knots, same length, >= 1 entry
  std::string source;     // provenance, e.g. "fitted from traces.csv, 1000 devices"

  static PiecewiseLinear Constant(double value, std::string source = "");
  double operator()(double v) const;
  // ConfigError "<name>: reason" if empty, lengths differ, knots not strictly increasing or
  // a value is not finite (or negative when non_negative).
  void Validate(std::string_view name, bool non_negative) const;
};

}  // namespace pcmsim::device
