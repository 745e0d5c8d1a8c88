// The text front end of `pcmsim quantize`: OCP examples end to end, specials, shortest
// exact printing (round-trips every fp16 value), and errors naming the bad line.
#include "pcmsim/numerics/quantize_text.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>

#include "pcmsim/core/error.hpp"
#include "pcmsim/numerics/convert.hpp"

namespace pcmsim::numerics {
namespace {

std::string Quant(const std::string& input, const char* format, Rounding r = Rounding::kNearest) {
  std::istringstream in(input);
  std::ostringstream out;
  QuantizeLines(in, out, FormatByName(format), r, 1);
  return out.str();
}

TEST(QuantizeText, OcpExamplesEndToEnd) {
  EXPECT_EQ(Quant("464\n465\n-465\n0.001\n-0\nnan\ninf\n-inf\n", "e4m3"),
            "448\nnan\nnan\n0.001953125\n-0\nnan\nnan\nnan\n");
  EXPECT_EQ(Quant("465\n-1e9\ninf\n", "e4m3:sat"), "448\n-448\n448\n");
  EXPECT_EQ(Quant("61439\n61440\n  +0.1 \n1e-30\n", "e5m2"), "57344\ninf\n0.09375\n0\n");
  EXPECT_EQ(Quant("0.1\n", "fp16"), "0.0999755859375\n");
  EXPECT_EQ(Quant("1e400\n", "fp16_169"), "inf\n");  // no inf code: out-of-range marker
  EXPECT_EQ(Quant("", "fp16"), "");
}

TEST(QuantizeText, StochasticGivesNeighbours) {
  const std::string out = Quant("1.3\n1.3\n1.3\n1.3\n1.3\n1.3\n1.3\n1.3\n", "e4m3", Rounding::kStochastic);
  std::istringstream lines(out);
  std::string l;
  int n = 0;
  while (std::getline(lines, l)) {
    EXPECT_TRUE(l == "1.25" || l == "1.375") << l;
    ++n;
  }
  EXPECT_EQ(n, 8);
}

TEST(QuantizeText, BadLineNamesLineNumber) {
  try {
    Quant("1.0\n2.5\nabc\n", "fp16");
    FAIL() << "no throw";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Quant("1.0x\n", "fp16"), IoError);
  EXPECT_THROW(Quant("\n", "fp16"), IoError);
}

// Regression: "0." + 400 zeros + "1" printed inf for fp32 and nan for e4m3 (an
// out-of-range underflow taken for overflow).
TEST(QuantizeText, LongDecimalsAreCorrectlyRounded) {
  const std::string zeros(400, '0');
  EXPECT_EQ(Quant("0." + zeros + "1\n", "fp32"), "0\n");
  EXPECT_EQ(Quant("0." + zeros + "1\n", "e4m3"), "0\n");
  EXPECT_EQ(Quant("-0." + zeros + "1\n", "fp16"), "-0\n");
  EXPECT_EQ(Quant("1" + zeros + "\n", "fp32"), "inf\n");
  EXPECT_EQ(Quant("1" + zeros + "\n", "e4m3:sat"), "448\n");
  EXPECT_EQ(Quant("0.000" + zeros + "e403\n", "fp32"), "0\n");
  EXPECT_EQ(Quant("0." + zeros + "1e401\n", "fp32"), "1\n");
  EXPECT_EQ(Quant("1" + zeros + "e-400\n", "fp32"), "1\n");
  const DecimalNumber d = ParseDecimalLine("0." + zeros + "1", 1);
  EXPECT_EQ(d.nearest, 0.0);
  EXPECT_EQ(d.residual, 1);
}

// Regression: parsing to double first rounded a decimal just above a halfway point of the
// narrow format onto the halfway point itself, which then rounded to even (down). Each
// halfway case: exact tie -> even; a digit above -> up; a digit below -> down.
TEST(QuantizeText, HalfwayPointsRoundOnceFromTheDecimal) {
  // e4m3 at 1: grid 1, 1.125; halfway 1.0625 (exactly a double).
  EXPECT_EQ(Quant("1.0625\n", "e4m3"), "1\n");
  EXPECT_EQ(Quant("1.0625000000000000000000001\n", "e4m3"), "1.125\n");
  EXPECT_EQ(Quant("1.0624999999999999999999999\n", "e4m3"), "1\n");
  EXPECT_EQ(Quant("-1.0625000000000000000000001\n", "e4m3"), "-1.125\n");
  // 1.1875 is halfway between 1.125 (odd) and 1.25 (even): the tie goes up.
  EXPECT_EQ(Quant("1.1875\n1.18749999999999999999999\n", "e4m3"), "1.25\n1.125\n");
  // e4m3 overflow: 464 is halfway between 448 and the (NaN) code above; round first.
  EXPECT_EQ(Quant("464\n463.99999999999999999999\n464.00000000000000000001\n", "e4m3"), "448\n448\nnan\n");
  // fp32 at 1: halfway 1 + 2^-24 = 1.000000059604644775390625.
  EXPECT_EQ(Quant("1.000000059604644775390625\n", "fp32"), "1\n");
  EXPECT_EQ(Quant("1.0000000596046447753906250000000001\n", "fp32"), "1.0000001192092896\n");
  EXPECT_EQ(Quant("1.0000000596046447753906249999999999\n", "fp32"), "1\n");
  // fp16 subnormal halfway: 2^-25 = 2.98023223876953125e-08 between 0 and 2^-24.
  EXPECT_EQ(Quant("2.98023223876953125e-08\n", "fp16"), "0\n");
  EXPECT_EQ(Quant("2.980232238769531250000000001e-08\n", "fp16"), "5.960464477539063e-08\n");
  // bf16 at 1: halfway 1 + 2^-8 = 1.00390625.
  EXPECT_EQ(Quant("1.00390625\n1.003906250000000000000000001\n", "bf16"), "1\n1.0078125\n");
}

// The residual is the exact side of the decimal against its nearest double.
TEST(QuantizeText, ResidualIsTheExactSide) {
  EXPECT_EQ(ParseDecimalLine("0.5", 1).residual, 0);
  EXPECT_EQ(ParseDecimalLine("1e22", 1).residual, 0);  // 10^22 is a double
  EXPECT_EQ(ParseDecimalLine("1e23", 1).residual, 1);  // the nearest double is 99999999999999991611392
  EXPECT_EQ(ParseDecimalLine("0.1", 1).residual, -1);  // 0.1000000000000000055511151231257827...
  EXPECT_EQ(ParseDecimalLine("-0.1", 1).residual, -1);
  EXPECT_EQ(ParseDecimalLine("0.30000000000000001", 1).residual, 1);  // nearest 0.2999999999999999888977...
  EXPECT_EQ(ParseDecimalLine("inf", 1).residual, 0);
  EXPECT_EQ(ParseDecimalLine("  +4.9e-324 ", 1).residual, -1);  // the double is 4.9406564584124654e-324
}

TEST(QuantizeText, ShortestPrintingRoundTripsEveryFp16Value) {
  const FloatFormat f = FormatByName("fp16");
  for (std::uint64_t code = 0; code < 0x10000; ++code) {
    const double v = Decode(f, code);
    const double back = ParseNumberLine(FormatShortest(v), 1);
    if (std::isnan(v)) {
      EXPECT_TRUE(std::isnan(back));
    } else {
      EXPECT_EQ(back, v) << FormatShortest(v);
    }
  }
}

}  // namespace
}  // namespace pcmsim::numerics
