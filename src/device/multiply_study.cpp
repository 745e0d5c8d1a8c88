// The scalar-multiplication precision study (see multiply_study.hpp for the definitions).
#include "pcmsim/device/multiply_study.hpp"

#include <algorithm>
#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <cmath>

#include "pcm_array_internal.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/device/pcm_array.hpp"
#include "pcmsim/io/config.hpp"

namespace pcmsim::device {

namespace {
constexpr double kMaxBits = 53.0;

double Quantile99(ArrayD abs_err) {
  std::vector<double> v(abs_err.data(), abs_err.data() + abs_err.size());
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(std::ceil(0.99 * double(v.size()))) - 1);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}
}  // namespace

std::string_view ToString(MultiplyReference r) { return r == MultiplyReference::kTarget ? "target" : "calibrated"; }
std::string_view ToString(MultiplyCompensation c) {
  return c == MultiplyCompensation::kNone ? "none" : (c == MultiplyCompensation::kTemperatureModel ? "temperature_model" : "global");
}

void MultiplyStudyOptions::Validate() const {
  using io::Require;
  Require(cells >= 100, "--cells", double(cells), "must be >= 100");
  Require(input_bits >= 1 && input_bits <= 16, "--input-bits", input_bits, "must be in [1, 16]");
  Require(!times_s.empty(), "--times", 0.0, "needs at least one time");
  for (size_t i = 0; i < times_s.size(); ++i)
    Require(std::isfinite(times_s[i]) && times_s[i] >= 0.0 && (i == 0 || times_s[i] > times_s[i - 1]), "--times",
            times_s[i], "must be non-negative and increasing");
  Require(!temperatures_K.empty(), "--temperatures", 0.0, "needs at least one temperature");
  for (double t : temperatures_K) Require(std::isfinite(t) && t > 0.0, "--temperatures", t, "must be positive");
}

double ProductBitsRms(double rms) {
  return rms > 0.0 ? std::min(kMaxBits, std::log2(1.0 / (std::sqrt(12.0) * rms))) : kMaxBits;
}
double ProductBitsP99(double q99) { return q99 > 0.0 ? std::min(kMaxBits, std::log2(1.0 / (2.0 * q99))) : kMaxBits; }

double NominalTemperatureRatio(const PcmParams& p, double kelvin) {
  const double theta = p.activation_energy_eV == 0.0
                           ? 1.0
                           : std::exp(-p.activation_energy_eV / internal::kBoltzmannEv * (1.0 / kelvin - 1.0 / p.t_ref_K));
  if (!p.HasProjection()) return theta;
  const double pf = 1.0 / (1.0 + p.projection_tcr_per_K * (kelvin - p.t_ref_K));
  return (theta + p.projection_ratio * pf) / (1.0 + p.projection_ratio);
}

MultiplyStudyResult RunMultiplyStudy(const PcmParams& params, const MultiplyStudyOptions& o) {
  params.Validate();
  o.Validate();
  MultiplyStudyResult r;
  r.device_name = params.name;
  r.times_s = o.times_s;
  r.temperatures_K = o.temperatures_K;
  PcmArray a(params, o.cells, o.seed, /*stream_index=*/20);
  const double lo = a.g_min(), hi = a.g_max(), range = hi - lo;
  r.g_lo = lo;
  r.g_max = hi;
  ArrayD w(o.cells), x(o.cells), targets(o.cells);
  {
    Rng rng = MakeStream(o.seed, "multiply_operands", 0);
    boost::random::uniform_01<double> u;
    const int levels = (1 << o.input_bits) - 1;
    boost::random::uniform_int_distribution<int> grid(0, levels);
    for (Index i = 0; i < o.cells; ++i) {
      w[i] = u(rng);
      x[i] = double(grid(rng)) / double(levels);
      targets[i] = lo + range * w[i];
    }
  }
  a.SetTemperature(params.t_ref_K);
  if (o.program_verify) {
    const ProgramStats st = a.ProgramVerify(targets, 0.0);
    r.pv_rms_error = st.RmsError();
    r.pv_mean_pulses = st.MeanPulses();
  } else {
    a.ProgramStatistical(targets, 0.0);
  }
  ArrayD g_cal;
  a.Read(0.0, g_cal, true);  // one read right after programming, at T_ref (pulse width at V_r)
  r.calibration_rms = std::sqrt((g_cal - targets).square().mean());
  const ArrayD w_cal = (g_cal - lo) / range;
  const ArrayD ref[2] = {x * w, x * w_cal};
  const double ref_mean_g[2] = {targets.mean(), g_cal.mean()};
  const Index nT = Index(o.temperatures_K.size()), nt = Index(o.times_s.size());
  for (auto& a1 : r.bits_rms)
    for (auto& a2 : a1)
      for (auto& m : a2) m = MatrixD::Zero(nT, nt);
  for (auto& a1 : r.bits_p99)
    for (auto& a2 : a1)
      for (auto& m : a2) m = MatrixD::Zero(nT, nt);
  ArrayD g_read, g_calib_t, share, current(o.cells);
  for (Index j = 0; j < nt; ++j) {
    const double t = o.times_s[size_t(j)];
    for (Index k = 0; k < nT; ++k) {
      const double kelvin = o.temperatures_K[size_t(k)];
      a.SetTemperature(kelvin);
      a.Read(t, g_calib_t, true);  // the global compensation's separate read
      a.Read(t, g_read, true);
      a.AmorphousShare(t, share);
      const double u = a.IvArgument(t);
      const double alpha_model = 1.0 / NominalTemperatureRatio(params, kelvin);
      for (int e = 0; e < MultiplyStudyResult::kEncodings; ++e) {
        const auto enc = static_cast<InputEncoding>(e);
        for (Index i = 0; i < o.cells; ++i) current[i] = CellCurrent(g_read[i], share[i], x[i], u, enc);
        for (int rf = 0; rf < MultiplyStudyResult::kRefs; ++rf) {
          const double alphas[3] = {1.0, alpha_model, ref_mean_g[rf] / g_calib_t.mean()};
          for (int c = 0; c < MultiplyStudyResult::kComps; ++c) {
            const ArrayD err = (alphas[c] * current - lo * x) / range - ref[rf];
            r.bits_rms[rf][e][c](k, j) = ProductBitsRms(std::sqrt(err.square().mean()));
            r.bits_p99[rf][e][c](k, j) = ProductBitsP99(Quantile99(err.abs()));
          }
        }
      }
    }
  }
  return r;
}

}  // namespace pcmsim::device
