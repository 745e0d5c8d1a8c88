// Validation helpers for the options structs' Validate() functions. They live in core so
// that every module validates its own options without knowing where the values came from
// (a TOML file, a --set override, code). Loaders catch ConfigError and prefix the file name.
#pragma once

#include <string_view>

#include "pcmsim/core/error.hpp"

namespace pcmsim {

// Throws ConfigError("KEY = VALUE: REASON") when !ok.
template <typename T>
void Require(bool ok, std::string_view key, const T& value, std::string_view reason) {
  if (!ok) throw ConfigError(StrCat(key, " = ", value, ": ", reason));
}

}  // namespace pcmsim
