// Validation helpers for the options structs' Validate() functions. They live in core so
// that every module validates its own options without knowing where the values came from
// (a TOML file, a --set override, code). Loaders catch ConfigError and prefix the file name.
#pragma once

#include <cmath>
#include <string_view>
#include <type_traits>

#include "pcmsim/core/error.hpp"

namespace pcmsim {

// Throws ConfigError("KEY = VALUE: REASON") when !ok. A floating-point value must also be
// finite: inf and nan are rejected for every key, except where RequireAllowInfinite says
// what an infinite value means.
template <typename T>
void Require(bool ok, std::string_view key, const T& value, std::string_view reason) {
  if (!ok) throw ConfigError(StrCat(key, " = ", value, ": ", reason));
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(value)) throw ConfigError(StrCat(key, " = ", value, ": must be a finite number"));
  }
}

// A real-valued key without a range: only finiteness is checked.
inline void RequireFinite(std::string_view key, double value) { Require(true, key, value, ""); }

// For the few keys whose documentation gives +-inf a meaning (an open clip bound, a branch
// that never starts): like Require, but only nan is rejected.
template <typename T>
void RequireAllowInfinite(bool ok, std::string_view key, const T& value, std::string_view reason) {
  if (!ok) throw ConfigError(StrCat(key, " = ", value, ": ", reason));
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(value)) throw ConfigError(StrCat(key, " = ", value, ": must be a number (or inf, see its documentation)"));
  }
}

}  // namespace pcmsim
