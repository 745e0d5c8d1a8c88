// Evaluation and validation of piecewise-linear tables.
#include "pcmsim/device/piecewise_linear.hpp"

#include <algorithm>
#include <cmath>

#include "pcmsim/core/error.hpp"

namespace pcmsim::device {

PiecewiseLinear PiecewiseLinear::Constant(double value, std::string source) {
  return {{0.0}, {value}, std::move(source)};
}

double PiecewiseLinear::operator()(double v) const {
  if (v <= x.front()) return y.front();
  if (v >= x.back()) return y.back();
  const size_t k = static_cast<size_t>(std::upper_bound(x.begin(), x.end(), v) - x.begin());  // x[k-1] <= v < x[k]
  const double f = (v - x[k - 1]) / (x[k] - x[k - 1]);
  return y[k - 1] + f * (y[k] - y[k - 1]);
}

void PiecewiseLinear::Validate(std::string_view name, bool non_negative) const {
  if (x.empty()) throw ConfigError(StrCat(name, ": the table is empty"));
  if (x.size() != y.size()) {
    throw ConfigError(StrCat(name, ": ", x.size(), " knots but ", y.size(), " values (lengths must match)"));
  }
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) {
      throw ConfigError(StrCat(name, ": entry ", i + 1, " is not a finite number"));
    }
    if (i > 0 && !(x[i] > x[i - 1])) {
      throw ConfigError(StrCat(name, ": knots must be strictly increasing (entry ", i + 1, " = ", x[i],
                               " after ", x[i - 1], ")"));
    }
    if (non_negative && y[i] < 0) throw ConfigError(StrCat(name, ": value ", i + 1, " = ", y[i], " must be >= 0"));
  }
}

}  // namespace pcmsim::device
