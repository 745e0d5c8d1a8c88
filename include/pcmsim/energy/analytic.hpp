// Analytic analog-vs-digital comparisons priced with the same table and ledger as runs: an
// 8-bit scalar multiply, an N x M MVM, sensitivity to ADC energy, tile size and bit widths,
// and the relative MAC-unit area and memory traffic of digital number formats.
#pragma once

#include <string>
#include <vector>

#include "pcmsim/energy/ledger.hpp"

namespace pcmsim::energy {

struct MvmOptions {
  Index rows = 256;         // outputs (tile rows), >= 1
  Index cols = 256;         // inputs (tile columns), >= 1
  int input_bits = 8;       // DAC resolution, >= 1
  int adc_bits = 8;         // ADC resolution, >= 1
  double adc_scale = 1.0;   // multiplies the table's ADC energy (sensitivity), > 0
  void Validate() const;
};

// One side of a comparison: the counts it was priced from and the joules per component.
struct Side {
  PhaseCounts counts;
  ComponentJoules joules{};
  double Total() const { return Sum(joules); }
};

struct Comparison {
  Side digital, analog;
  double macs = 0;  // MACs of the operation (1 for a scalar multiply)
  double digital_weight_fetch_J = 0;  // part of digital memory traffic that fetches weights (MVM)
  // digital / analog energy (> 1: the analog side uses less energy).
  double Ratio() const { return digital.Total() / analog.Total(); }
  double AdcShare() const;  // analog ADC energy / analog total
  // Ratio if the digital side kept its weights in registers (weight-stationary, full reuse).
  double RatioWithoutWeightFetch() const { return (digital.Total() - digital_weight_fetch_J) / analog.Total(); }
  std::vector<std::string> assumptions;  // model statements + table entries used
};

// One 8-bit-class multiply: digital = one multiply in the table's analytic weight format
// (operands already in registers, no memory); analog = one DAC conversion, one ADC
// conversion and devices_per_weight cell reads at the analytic mean conductance.
Comparison CompareScalar(const EnergyTable& t, int input_bits = 8, int adc_bits = 8);

// A rows x cols MVM. Digital: rows*cols MACs (weight/accumulator formats of [analytic]), every
// weight fetched from the weight memory level, inputs read and outputs written via the
// activation level. Analog: cols DAC conversions, rows ADC conversions, devices_per_weight *
// rows*cols cell reads at g_avg for input_duty * read_time, plus the same input/output traffic.
Comparison CompareMvm(const EnergyTable& t, const MvmOptions& o);

// Ratio (digital / analog) for every ADC-energy factor (rows) and square tile size (cols).
std::vector<std::vector<double>> RatioSensitivity(const EnergyTable& t, const MvmOptions& base,
                                                  const std::vector<double>& adc_factors,
                                                  const std::vector<Index>& sizes);

// Digital MAC-unit figures of one "operand/accumulator" pair, relative to fp32/fp32.
struct FormatFigures {
  std::string mac_key;
  double mac_J = 0;             // J per MAC
  double mac_area_um2 = 0;      // multiplier + adder area at the table's node
  double area_vs_fp32 = 0;      // mac area / fp32 MAC area
  double throughput_per_area_vs_fp32 = 0;  // fp32 area / this area (MAC units per mm^2)
  double weight_bytes = 0;      // bytes per stored operand
  double dram_bytes_vs_fp32 = 0;  // weight traffic relative to fp32 (8-bit: 0.25)
};
std::vector<FormatFigures> CompareFormats(const EnergyTable& t, const std::vector<std::string>& mac_keys);

}  // namespace pcmsim::energy
