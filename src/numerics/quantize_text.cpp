// Line-oriented parsing and shortest-exact printing for `pcmsim quantize`.
//
// Parsing is correctly rounded for any number of digits: std::from_chars gives the double
// nearest to the decimal, an exact comparison of the decimal with that double's exact
// expansion tells on which side the decimal lies, and rounding into a narrower format then
// goes through "round to odd" (the odd one of the double and its neighbour on that side),
// which rounds like the exact decimal into every format with at most 51 bits of precision
// (Boldo & Melquiond 2008, "Emulation of FMA and correctly rounded sums: proved algorithms
// using rounding to odd"). Parsing to double and rounding again would double-round at the
// format's halfway points.
#include "pcmsim/numerics/quantize_text.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <istream>
#include <limits>
#include <ostream>

#include "pcmsim/core/error.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/numerics/convert.hpp"

namespace pcmsim::numerics {
namespace {

// |value| = 0.digits x 10^point: digits without leading or trailing zeros (empty = 0).
struct Decimal {
  std::string digits;
  long long point = 0;
};

// Reads [-]digits[.digits][(e|E)[+-]digits] (already validated by from_chars).
Decimal ScanDecimal(std::string_view s) {
  Decimal d;
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  long long before_point = 0;
  bool seen_point = false, leading = true;
  for (; i < s.size() && s[i] != 'e' && s[i] != 'E'; ++i) {
    if (s[i] == '.') {
      seen_point = true;
      continue;
    }
    if (leading && s[i] == '0') {
      if (seen_point) --before_point;  // 0.00x: each zero after the point moves it left
      continue;
    }
    leading = false;
    d.digits.push_back(s[i]);
    if (!seen_point) ++before_point;
  }
  long long exp10 = 0;
  if (i < s.size()) {
    ++i;
    bool neg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    for (; i < s.size(); ++i) exp10 = std::min<long long>(exp10 * 10 + (s[i] - '0'), 1'000'000'000'000LL);
    if (neg) exp10 = -exp10;
  }
  while (!d.digits.empty() && d.digits.back() == '0') d.digits.pop_back();
  d.point = before_point + exp10;
  if (d.digits.empty()) d.point = 0;
  return d;
}

// The exact decimal expansion of a finite double's magnitude.
Decimal ExactDecimal(double v) {
  char buf[800];  // a double has at most 767 significant decimal digits
  const auto res = std::to_chars(buf, buf + sizeof(buf), std::fabs(v), std::chars_format::scientific, 780);
  return ScanDecimal(std::string_view(buf, static_cast<size_t>(res.ptr - buf)));
}

// Sign of |a| - |b|.
int CompareMagnitude(const Decimal& a, const Decimal& b) {
  if (a.digits.empty() || b.digits.empty()) return a.digits.empty() == b.digits.empty() ? 0 : (a.digits.empty() ? -1 : 1);
  if (a.point != b.point) return a.point < b.point ? -1 : 1;
  const size_t n = std::max(a.digits.size(), b.digits.size());
  for (size_t i = 0; i < n; ++i) {
    const char x = i < a.digits.size() ? a.digits[i] : '0', y = i < b.digits.size() ? b.digits[i] : '0';
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

bool IsOdd(double v) { return (std::bit_cast<std::uint64_t>(v) & 1u) != 0; }

}  // namespace

std::string FormatShortest(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, res.ptr);
}

DecimalNumber ParseDecimalLine(std::string_view text, long line) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  std::string_view body = text;
  if (!body.empty() && body.front() == '+') body.remove_prefix(1);
  DecimalNumber out;
  const auto res = std::from_chars(body.data(), body.data() + body.size(), out.nearest);
  if (body.empty() || res.ec == std::errc::invalid_argument || res.ptr != body.data() + body.size()) {
    throw IoError(StrCat("line ", line, ": '", text, "' is not a number"));
  }
  const bool neg = body.front() == '-';
  const std::string_view magnitude = neg ? body.substr(1) : body;
  if (magnitude.empty() || !(std::isdigit(static_cast<unsigned char>(magnitude.front())) || magnitude.front() == '.')) {
    return out;  // nan, inf, infinity: exact
  }
  const Decimal exact = ScanDecimal(body);
  if (res.ec == std::errc::result_out_of_range) {  // beyond the double range: keep sign and size
    const bool huge = exact.point > 0;
    out.nearest = (neg ? -1.0 : 1.0) * (huge ? std::numeric_limits<double>::infinity() : 0.0);
    out.residual = huge ? -1 : 1;  // |exact| < inf, |exact| > 0
    return out;
  }
  out.residual = CompareMagnitude(exact, ExactDecimal(out.nearest));
  return out;
}

double ParseNumberLine(std::string_view text, long line) { return ParseDecimalLine(text, line).nearest; }

double RoundDecimal(const FloatFormat& f, const DecimalNumber& x, Rounding rounding, Rng* rng) {
  const bool odd_rounding_exact = f.Precision() <= 51 && f.MinExponent() - f.mantissa_bits >= -1072;
  if (x.residual == 0 || rounding != Rounding::kNearest || !odd_rounding_exact) {
    return RoundToFormat(f, x.nearest, rounding, rng);
  }
  // The exact value lies strictly between `nearest` and its neighbour on the residual's side
  // (in magnitude); no halfway point of f lies strictly between two adjacent doubles, so the
  // odd one of the two (not a halfway point of f) rounds like the exact value.
  const double mag = std::fabs(x.nearest);
  const double other = std::nextafter(mag, x.residual > 0 ? std::numeric_limits<double>::infinity() : 0.0);
  const double odd = IsOdd(mag) ? mag : other;
  return RoundToFormat(f, std::signbit(x.nearest) ? -odd : odd, Rounding::kNearest, rng);
}

long QuantizeLines(std::istream& in, std::ostream& out, const FloatFormat& format, Rounding rounding,
                   std::uint64_t seed) {
  Rng rng(StreamSeed(seed, "quantize"));
  std::string text;
  long line = 0;
  while (std::getline(in, text)) {
    ++line;
    out << FormatShortest(RoundDecimal(format, ParseDecimalLine(text, line), rounding, &rng)) << '\n';
  }
  return line;
}

}  // namespace pcmsim::numerics
