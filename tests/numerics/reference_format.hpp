// Test-only slow reference for rounding into a FloatFormat: enumerate every value of the
// format, sort, find the two neighbours of |x| by binary search and pick the nearer one
// (ties: even fraction field), judging overflow on the chosen value. Shares no code with
// src/numerics: values are decoded here from the field definitions directly.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "pcmsim/numerics/float_format.hpp"

namespace pcmsim::numerics::testing {

struct RefEntry {
  double value;
  std::uint64_t code;  // magnitude code (no sign bit)
  bool even;           // fraction field even (tie winner)
  bool phantom;        // beyond the largest finite value: choosing it means overflow
};

struct RefResult {
  enum Kind { kValue, kOverflow, kNaN } kind;
  double value;        // signed (for kValue)
  std::uint64_t code;  // full code including sign (for kValue)
};

class ReferenceFormat {
 public:
  explicit ReferenceFormat(const FloatFormat& f) : f_(f) {
    const int m = f.mantissa_bits;
    const std::uint64_t top = (1ull << f.exponent_bits) - 1, all = (1ull << m) - 1;
    for (std::uint64_t code = 0; code < (1ull << (f.exponent_bits + m)); ++code) {
      const std::uint64_t e = code >> m, fr = code & all;
      if (f.specials == Specials::kIeee && e == top) continue;
      if (f.specials == Specials::kOcpE4M3 && e == top && fr == all) continue;
      const double v = e == 0 ? std::ldexp(double(fr), 1 - f.bias - m)
                              : std::ldexp(double((1ull << m) + fr), int(e) - f.bias - m);
      entries_.push_back({v, code, (fr & 1) == 0, false});
    }
    std::sort(entries_.begin(), entries_.end(), [](auto& a, auto& b) { return a.value < b.value; });
    max_ = entries_.back().value;
    // Phantom grid points beyond the top: rest of the top binade, then 2^(emax+1).
    const int emax = std::ilogb(max_);
    for (std::uint64_t fr = 0; fr <= all; ++fr) {
      const double v = std::ldexp(double((1ull << m) + fr), emax - m);
      if (v > max_) entries_.push_back({v, 0, (fr & 1) == 0, true});
    }
    entries_.push_back({std::ldexp(1.0, emax + 1), 0, true, true});
    max_code_ = 0;
    for (auto& e : entries_) if (e.value == max_) max_code_ = e.code;
  }

  const std::vector<RefEntry>& Entries() const { return entries_; }
  double MaxFinite() const { return max_; }

  RefResult Round(double x) const {
    if (std::isnan(x)) return {RefResult::kNaN, 0, 0};
    const bool neg = std::signbit(x);
    const std::uint64_t sign = neg ? 1ull << (f_.Bits() - 1) : 0;
    const double a = std::fabs(x);
    const RefEntry* pick = nullptr;
    if (a < entries_.back().value) {
      auto it = std::upper_bound(entries_.begin(), entries_.end(), a,
                                 [](double v, const RefEntry& e) { return v < e.value; });
      const RefEntry& lo = *(it - 1);
      const RefEntry& hi = *it;
      const double two_a = 2 * a, sum = lo.value + hi.value;  // both exact
      if (lo.value == a || two_a < sum) pick = &lo;
      else if (two_a > sum) pick = &hi;
      else pick = lo.even ? &lo : &hi;
    }
    if (pick == nullptr || pick->phantom) {
      if (f_.saturate) return {RefResult::kValue, neg ? -max_ : max_, sign | max_code_};
      return {RefResult::kOverflow, 0, 0};
    }
    double v = pick->value;
    std::uint64_t code = pick->code;
    if (!f_.subnormals && v < std::ldexp(1.0, 1 - f_.bias)) v = 0, code = 0;  // flush
    return {RefResult::kValue, neg ? -v : v, sign | code};
  }

 private:
  FloatFormat f_;
  std::vector<RefEntry> entries_;
  double max_ = 0;
  std::uint64_t max_code_ = 0;
};

}  // namespace pcmsim::numerics::testing
