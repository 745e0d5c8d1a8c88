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
