// Strict TOML configuration: typed look-ups by dotted key, --set overrides, and a final
// check that every key in the file was used (a typo like `drfit_nu` fails loudly).
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "pcmsim/core/error.hpp"

namespace pcmsim::io {

// Reads one TOML document. Every error message starts with the source name (the file
// path) and names the key. Not thread-safe (tracks consumed keys).
class ConfigReader {
 public:
  // Parses a file; IoError if unreadable, ConfigError (with line:col) on a syntax error.
  static ConfigReader FromFile(const std::filesystem::path& path);
  // Parses text; `source` names it in messages.
  static ConfigReader FromString(std::string_view text, std::string source);

  ConfigReader(ConfigReader&&) noexcept;
  ConfigReader& operator=(ConfigReader&&) noexcept;
  ~ConfigReader();

  // Applies "dotted.key=value" (value parsed as a TOML value; bare words become strings).
  // The key must already exist in the document or be known to the schema: unknown keys
  // are caught by CheckAllConsumed() like typos in the file.
  void ApplyOverride(std::string_view assignment);

  bool Has(std::string_view key) const;
  // Arrays of tables ([[model.layer]]): element i's keys are "model.layer.<i>.<key>" for
  // every look-up, override and unknown-key check. Returns the number of tables (0 when
  // absent); ConfigError if the key holds something else.
  std::size_t TableArraySize(std::string_view key) const;
  // Typed look-ups: return `fallback` when the key is absent; ConfigError on a wrong type.
  bool GetBool(std::string_view key, bool fallback);
  std::int64_t GetInt(std::string_view key, std::int64_t fallback);
  double GetDouble(std::string_view key, double fallback);  // integers accepted
  std::string GetString(std::string_view key, const std::string& fallback);
  std::vector<std::int64_t> GetIntList(std::string_view key, const std::vector<std::int64_t>& fallback);
  std::vector<double> GetDoubleList(std::string_view key, const std::vector<double>& fallback);
  std::vector<std::string> GetStringList(std::string_view key, const std::vector<std::string>& fallback);
  // A path: relative values from the file resolve against the file's folder, relative
  // values from --set against the current directory.
  std::filesystem::path GetPath(std::string_view key, const std::filesystem::path& fallback);
  // Every non-empty path GetPath returned so far (the files a run reads, for -o checks).
  const std::vector<std::filesystem::path>& PathsRead() const;

  // Enum look-up by name: `names` maps accepted strings to values; the error lists them.
  template <typename E>
  E GetEnum(std::string_view key, E fallback, const std::vector<std::pair<std::string_view, E>>& names) {
    if (!Has(key)) return fallback;
    const std::string v = GetString(key, "");
    std::string choices;
    for (const auto& [name, value] : names) {
      if (name == v) return value;
      choices += (choices.empty() ? "" : ", ") + std::string(name);
    }
    Fail(key, StrCat("'", v, "' is not one of: ", choices));
  }

  // The value of `key` as TOML text (e.g. "0.5", "'abc'", "[1, 2]"), for re-applying it
  // as an override elsewhere. Marks the key used. ConfigError if absent.
  std::string ValueText(std::string_view key);

  // Marks every key below `prefix` as used (e.g. a section owned by another reader).
  void MarkUsed(std::string_view prefix);
  // Keys present (leaves, dotted) below `prefix` ("" = all).
  std::vector<std::string> Keys(std::string_view prefix = "") const;
  // Throws ConfigError naming the first unused keys: "FILE: unknown key 'a.b'".
  void CheckAllConsumed() const;

  // The full document after overrides, as TOML text (written into every result file).
  std::string Text() const;
  const std::string& Source() const;

  // Throws ConfigError("SOURCE: key 'KEY': REASON").
  [[noreturn]] void Fail(std::string_view key, std::string_view reason) const;

 private:
  struct Impl;
  explicit ConfigReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// For Validate() functions: throws ConfigError("KEY = VALUE: REASON") when !ok. Loaders
// catch ConfigError and prefix the file name. A floating-point value must also be finite:
// inf and nan are rejected for every key, except where RequireAllowInfinite says what an
// infinite value means.
template <typename T>
void Require(bool ok, std::string_view key, const T& value, std::string_view reason) {
  if (!ok) throw ConfigError(StrCat(key, " = ", value, ": ", reason));
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(value)) throw ConfigError(StrCat(key, " = ", value, ": must be a finite number"));
  }
}

// A real-valued key without a range: only finiteness is checked.
inline void RequireFinite(std::string_view key, double value) { Require(true, key, value, ""); }

// For the few keys whose documentation gives ±inf a meaning (an open clip bound, a branch
// that never starts): like Require, but only nan is rejected.
template <typename T>
void RequireAllowInfinite(bool ok, std::string_view key, const T& value, std::string_view reason) {
  if (!ok) throw ConfigError(StrCat(key, " = ", value, ": ", reason));
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(value)) throw ConfigError(StrCat(key, " = ", value, ": must be a number (or inf, see its documentation)"));
  }
}

}  // namespace pcmsim::io
