// `pcmsim device DEVICE.toml --study multiply [--with OTHER.toml ...]`: the scalar
// multiplication precision study of device::RunMultiplyStudy for one or more presets side by
// side (effective bits vs time, temperature, input encoding, reference and compensation),
// an optional mechanism ablation, and the energy of one analog multiply at the precision
// reached against a digital multiplier of that precision. HDF5 layout in devices/README.md.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <string>
#include <vector>

#include "cmd_device_multiply.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/device/multiply_study.hpp"
#include "pcmsim/energy/analytic.hpp"
#include "pcmsim/experiment/energy_table_load.hpp"
#include "pcmsim/experiment/options_load.hpp"
#include "pcmsim/experiment/result_file.hpp"
#include "pcmsim/io/config.hpp"
#include "pcmsim/io/h5.hpp"

namespace pcmsim::cli {
namespace {

using device::InputEncoding;
using device::MultiplyCompensation;
using device::MultiplyReference;
using device::MultiplyStudyResult;

constexpr InputEncoding kEncodings[2] = {InputEncoding::kPulseWidth, InputEncoding::kAmplitude};
constexpr MultiplyReference kRefs[2] = {MultiplyReference::kTarget, MultiplyReference::kCalibrated};
constexpr MultiplyCompensation kComps[3] = {MultiplyCompensation::kNone, MultiplyCompensation::kTemperatureModel,
                                            MultiplyCompensation::kGlobal};

struct LoadedDevice {
  std::string path, text;
  device::PcmParams params;
};

LoadedDevice Load(const std::string& path, const std::vector<std::string>& overrides) {
  io::ConfigReader reader = io::ConfigReader::FromFile(path);
  for (const auto& s : overrides) reader.ApplyOverride(s);
  LoadedDevice d{path, reader.Text(), experiment::LoadPcmParams(reader)};
  reader.CheckAllConsumed();
  return d;
}

std::string TimeLabel(double t) {
  if (t >= 31536000.0) return StrCat(t / 31536000.0, "y");
  if (t >= 2592000.0) return StrCat(t / 2592000.0, "mo");
  if (t >= 86400.0) return StrCat(t / 86400.0, "d");
  if (t >= 3600.0) return StrCat(t / 3600.0, "h");
  return StrCat(t, "s");
}

void PrintTable(const MultiplyStudyResult& r) {
  std::printf("\n%s: window %.3f .. %.3f uS, P&V residual rms %.4f uS (%.2f pulses/cell), calibration read rms %.4f uS\n",
              r.device_name.c_str(), r.g_lo * 1e6, r.g_max * 1e6, r.pv_rms_error * 1e6, r.pv_mean_pulses,
              r.calibration_rms * 1e6);
  std::printf("  effective bits, rms definition (p99 definition in brackets)\n");
  std::printf("  %-10s %-11s %-17s %6s", "reference", "encoding", "compensation", "T (K)");
  for (double t : r.times_s) std::printf(" %13s", TimeLabel(t).c_str());
  std::printf("\n");
  for (MultiplyReference rf : kRefs)
    for (InputEncoding e : kEncodings)
      for (MultiplyCompensation c : kComps)
        for (Index k = 0; k < Index(r.temperatures_K.size()); ++k) {
          std::printf("  %-10s %-11s %-17s %6.0f", std::string(ToString(rf)).c_str(), std::string(ToString(e)).c_str(),
                      std::string(ToString(c)).c_str(), r.temperatures_K[size_t(k)]);
          for (Index j = 0; j < Index(r.times_s.size()); ++j)
            std::printf("   %5.2f[%5.2f]", r.Rms(rf, e, c)(k, j), r.P99(rf, e, c)(k, j));
          std::printf("\n");
        }
}

void WriteResult(io::H5Writer& out, const std::string& g, const LoadedDevice& d, const MultiplyStudyResult& r) {
  out.CreateGroup(g);
  out.WriteAttr(g, "device", r.device_name);
  out.WriteAttr(g, "source", d.path);
  out.WriteAttr(g, "model", device::ToString(d.params.model));
  out.WriteAttr(g, "g_lo_uS", r.g_lo * 1e6);
  out.WriteAttr(g, "g_max_uS", r.g_max * 1e6);
  out.WriteAttr(g, "pv_rms_error_uS", r.pv_rms_error * 1e6);
  out.WriteAttr(g, "pv_mean_pulses", r.pv_mean_pulses);
  out.WriteAttr(g, "calibration_rms_uS", r.calibration_rms * 1e6);
  out.WriteString(g + "/config", d.text);
  out.WriteVector(g + "/times_s", r.times_s);
  out.WriteVector(g + "/temperatures_K", r.temperatures_K);
  for (const char* metric : {"bits_rms", "bits_p99"}) {
    out.CreateGroup(g + "/" + metric);
    for (MultiplyReference rf : kRefs) {
      const std::string gr = StrCat(g, "/", metric, "/", ToString(rf));
      out.CreateGroup(gr);
      for (InputEncoding e : kEncodings) {
        const std::string ge = StrCat(gr, "/", ToString(e));
        out.CreateGroup(ge);
        for (MultiplyCompensation c : kComps) {
          const MatrixD& m = std::string(metric) == "bits_rms" ? r.Rms(rf, e, c) : r.P99(rf, e, c);
          out.WriteMatrix(StrCat(ge, "/", ToString(c)), m);  // temperatures x times
        }
      }
    }
  }
}

// Mechanism ablation: the study with one mechanism switched off at a time.
struct Variant {
  const char* name;
  void (*apply)(device::PcmParams&);
};
const Variant kVariants[] = {
    {"full model", [](device::PcmParams&) {}},
    // Write noise off: P&V still settles on noisy verify reads (that error is in "no read noise").
    {"no write noise", [](device::PcmParams& p) { p.pv_write_noise_rel = 0; p.pv_write_noise = 0; p.prog_noise_scale = 0; }},
    {"no read noise (verify+MVM)", [](device::PcmParams& p) { p.read_noise_scale = 0; }},
    {"no drift", [](device::PcmParams& p) { p.drift_scale = 0; }},
    {"no temperature", [](device::PcmParams& p) {
       p.activation_energy_eV = p.ea_log_slope_eV = p.ea_std_eV = 0; p.projection_tcr_per_K = 0; }},
    {"ohmic I-V", [](device::PcmParams& p) { p.iv_v0_V = 0; }},
};

void Ablate(io::H5Writer& out, const std::string& g, const LoadedDevice& d, const device::MultiplyStudyOptions& o) {
  device::MultiplyStudyOptions oa = o;
  oa.times_s = {3600.0, 86400.0, 31536000.0};
  oa.temperatures_K = {300.0, 330.0};
  std::printf("\n%s ablation: bits_rms vs the target weight, global compensation; pulse width | amplitude\n",
              d.params.name.c_str());
  std::printf("  %-26s %13s %13s %13s %13s %13s %13s\n", "variant", "1h 300K", "1d 300K", "1y 300K", "1h 330K",
              "1d 330K", "1y 330K");
  out.CreateGroup(g + "/ablation");
  std::vector<std::string> names;
  MatrixD pw(std::size(kVariants), 6), amp(std::size(kVariants), 6);
  for (size_t v = 0; v < std::size(kVariants); ++v) {
    device::PcmParams p = d.params;
    kVariants[v].apply(p);
    const MultiplyStudyResult r = device::RunMultiplyStudy(p, oa);
    const MatrixD& a = r.Rms(MultiplyReference::kTarget, InputEncoding::kPulseWidth, MultiplyCompensation::kGlobal);
    const MatrixD& b = r.Rms(MultiplyReference::kTarget, InputEncoding::kAmplitude, MultiplyCompensation::kGlobal);
    std::printf("  %-26s", kVariants[v].name);
    for (Index k = 0; k < 2; ++k)
      for (Index j = 0; j < 3; ++j) {
        pw(Index(v), k * 3 + j) = a(k, j);
        amp(Index(v), k * 3 + j) = b(k, j);
        std::printf("  %5.2f|%5.2f", a(k, j), b(k, j));
      }
    std::printf("\n");
    names.push_back(kVariants[v].name);
  }
  out.WriteStrings(g + "/ablation/variants", names);
  out.WriteStrings(g + "/ablation/conditions", {"1h 300K", "1d 300K", "1y 300K", "1h 330K", "1d 330K", "1y 330K"});
  out.WriteMatrix(g + "/ablation/bits_pulse_width", pw);
  out.WriteMatrix(g + "/ablation/bits_amplitude", amp);
}

// Energy of one analog scalar multiply at b bits (DAC and ADC at b bits, cell reads) against
// a digital b-bit multiplier, under named assumption sets.
void EnergyComparison(io::H5Writer& out, const std::vector<double>& bits_reached, const std::vector<std::string>& names) {
  const energy::EnergyTable base = experiment::DefaultEnergyTable();
  const energy::FormatCost& i8 = base.Format("int8");
  std::printf("\nEnergy of one scalar multiply at the precision reached (built-in tables, %s + %s)\n",
              base.digital_source.c_str(), base.analog_source.c_str());
  std::printf("  digital b-bit multiply = int8 multiply (%.3g pJ) * (b/8)^2 (ASSUMPTION: array multiplier, energy ~ b^2;\n"
              "  the table's int8 -> int32 multiply ratio is %.1f for 4x the bits, i.e. ~b^%.2f)\n",
              i8.multiply_J * 1e12, base.Format("int32").multiply_J / i8.multiply_J,
              std::log(base.Format("int32").multiply_J / i8.multiply_J) / std::log(4.0));
  struct Set {
    const char* name;
    int devices;
    bool converters;
  };
  const Set sets[] = {{"2 devices + DAC + ADC at b bits", 2, true},
                      {"1 device + DAC + ADC at b bits", 1, true},
                      {"1 device, cell read only (no converters)", 1, false}};
  std::printf("  %-28s %6s", "device (bits rounded down)", "bits");
  for (const Set& s : sets) std::printf("  %40s", s.name);
  std::printf("\n");
  out.CreateGroup("/multiply/energy");
  std::vector<double> bits = bits_reached;
  std::vector<std::string> rows = names;
  bits.push_back(8.0);
  rows.push_back("8 bits (the paper's claim)");
  MatrixD ratios(Index(bits.size()), Index(std::size(sets)));
  for (size_t d = 0; d < bits.size(); ++d) {
    const int b = std::max(1, int(std::floor(bits[d])));
    const double digital = i8.multiply_J * (b / 8.0) * (b / 8.0);
    std::printf("  %-28s %6d", rows[d].c_str(), b);
    for (size_t s = 0; s < std::size(sets); ++s) {
      energy::EnergyTable t = base;
      t.analytic.devices_per_weight = sets[s].devices;
      const energy::Comparison c = energy::CompareScalar(t, b, b);
      double analog = c.analog.Total();
      if (!sets[s].converters)
        analog = c.analog.joules[size_t(energy::Component::kArrayReads)];
      ratios(Index(d), Index(s)) = digital / analog;
      std::printf("  %25.3g pJ vs %.3g pJ: %5.2fx", analog * 1e12, digital * 1e12, digital / analog);
    }
    std::printf("\n");
  }
  std::printf("  (ratio = digital / analog; the paper's 33x method is not public: none of these sets is claimed to be it)\n");
  std::vector<std::string> set_names;
  for (const Set& s : sets) set_names.push_back(s.name);
  out.WriteStrings("/multiply/energy/assumption_sets", set_names);
  out.WriteStrings("/multiply/energy/devices", rows);
  out.WriteVector("/multiply/energy/bits", bits);
  out.WriteMatrix("/multiply/energy/ratio_digital_over_analog", ratios);
}

}  // namespace

void RunMultiplyStudyCommand(const MultiplyArgs& a) {
  std::vector<LoadedDevice> devices;
  devices.push_back(Load(a.device, a.overrides));
  for (const auto& p : a.with) devices.push_back(Load(p, a.overrides));
  const std::string start = experiment::UtcNow();
  io::H5Writer out(a.output);
  experiment::WriteProvenance(out, "device --study multiply", a.options.seed, start);
  out.CreateGroup("/multiply");
  out.WriteAttr("/multiply", "definition",
                "bits_rms = log2(1/(sqrt(12) rms(p - ref))), bits_p99 = log2(1/(2 q99|p - ref|)); p = (alpha I - g_lo x)/"
                "(g_max - g_lo), x on a 2^input_bits grid in [0,1], w uniform in [0,1]; matrices are temperatures x times");
  out.WriteAttr("/multiply", "input_bits", static_cast<std::int64_t>(a.options.input_bits));
  out.WriteAttr("/multiply", "cells", static_cast<std::int64_t>(a.options.cells));
  out.WriteAttr("/multiply", "programming", a.options.program_verify ? "program_verify" : "statistical");
  std::vector<double> headline;
  std::vector<std::string> names;
  std::vector<std::string> groups;
  // /summary (for `pcmsim report`): per device the headline row over time.
  out.CreateGroup("/summary");
  out.WriteAttr("/summary", "headline",
                "bits_rms (and bits_p99) of x*w vs the target weight, pulse-width encoding, global compensation, at the "
                "first temperature");
  out.WriteAttr("/summary", "temperature_K", a.options.temperatures_K.front());
  out.WriteVector("/summary/times_s", a.options.times_s);
  for (const LoadedDevice& d : devices) {
    const MultiplyStudyResult r = device::RunMultiplyStudy(d.params, a.options);
    PrintTable(r);
    std::string g = "/multiply/" + d.params.name;
    while (std::find(groups.begin(), groups.end(), g) != groups.end()) g += "_";
    groups.push_back(g);
    WriteResult(out, g, d, r);
    const auto row = [&](const MatrixD& m) {
      std::vector<double> v(size_t(m.cols()));
      for (Index j = 0; j < m.cols(); ++j) v[size_t(j)] = m(0, j);
      return v;
    };
    const std::string sname = g.substr(std::string("/multiply/").size());
    out.WriteVector("/summary/" + sname + "_bits_rms",
                    row(r.Rms(MultiplyReference::kTarget, InputEncoding::kPulseWidth, MultiplyCompensation::kGlobal)));
    out.WriteVector("/summary/" + sname + "_bits_p99",
                    row(r.P99(MultiplyReference::kTarget, InputEncoding::kPulseWidth, MultiplyCompensation::kGlobal)));
    if (a.ablate) Ablate(out, g, d, a.options);
    // Headline for the energy comparison: target reference, pulse width, global compensation,
    // first temperature, the time closest to 1 day.
    Index j = 0;
    for (Index k = 0; k < Index(r.times_s.size()); ++k)
      if (std::abs(std::log(r.times_s[size_t(k)] + 1.0) - std::log(86401.0)) <
          std::abs(std::log(r.times_s[size_t(j)] + 1.0) - std::log(86401.0)))
        j = k;
    headline.push_back(r.Rms(MultiplyReference::kTarget, InputEncoding::kPulseWidth, MultiplyCompensation::kGlobal)(0, j));
    names.push_back(StrCat(d.params.name, " @", TimeLabel(r.times_s[size_t(j)])));
  }
  out.WriteStrings("/multiply/devices", groups);
  EnergyComparison(out, headline, names);
  out.Commit();
  std::printf("-> %s\n", a.output.c_str());
}

}  // namespace pcmsim::cli
