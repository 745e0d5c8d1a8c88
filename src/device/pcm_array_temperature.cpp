// PcmArray: ambient temperature (constant or a trace over time), per-cell activation
// energies of the amorphous segment, the projection metal's temperature coefficient, and the
// amorphous share of the read current used by the sinh I-V law. See PcmParams temperature.*.
#include <algorithm>
#include <cmath>

#include "pcm_array_internal.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/device/pcm_array.hpp"
#include "pcmsim/device/read_iv.hpp"

namespace pcmsim::device {

using internal::kChunk;

std::string_view ToString(InputEncoding e) { return e == InputEncoding::kPulseWidth ? "pulse_width" : "amplitude"; }

double PcmArray::TemperatureAt(double t_s) const {
  const auto& tt = params_.temperature_trace_time_s;
  const auto& tk = params_.temperature_trace_K;
  if (tt.empty()) return temperature_K_;
  if (t_s <= tt.front()) return tk.front();
  if (t_s >= tt.back()) return tk.back();
  const auto it = std::upper_bound(tt.begin(), tt.end(), t_s);
  const size_t j = static_cast<size_t>(it - tt.begin());
  const double w = (t_s - tt[j - 1]) / (tt[j] - tt[j - 1]);
  return tk[j - 1] + w * (tk[j] - tk[j - 1]);
}

ThermalState PcmArray::Thermal(double t_s) const {
  const PcmParams& p = params_;
  ThermalState th;
  th.kelvin = TemperatureAt(t_s);
  if (p.activation_energy_eV == 0.0 && p.ea_log_slope_eV == 0.0 && p.ea_std_eV == 0.0 && p.projection_tcr_per_K == 0.0)
    return th;  // no temperature model: every factor is exactly 1
  th.inv_kt_delta = (1.0 / th.kelvin - 1.0 / p.t_ref_K) / internal::kBoltzmannEv;
  if (p.activation_energy_eV != 0.0)
    th.theta = std::exp(-p.activation_energy_eV / internal::kBoltzmannEv * (1.0 / th.kelvin - 1.0 / p.t_ref_K));
  th.per_cell = (p.ea_log_slope_eV != 0.0 || p.ea_std_eV != 0.0) && th.kelvin != p.t_ref_K;
  if (p.projection_tcr_per_K != 0.0) th.proj_factor = 1.0 / (1.0 + p.projection_tcr_per_K * (th.kelvin - p.t_ref_K));
  return th;
}

double PcmArray::CellTheta(double g_a0, double z, const ThermalState& th) const {
  const PcmParams& p = params_;
  const double g_r = std::clamp(g_a0 / p.g_max, 1e-7, 1.0);
  const double ea = std::max(0.0, p.activation_energy_eV - p.ea_log_slope_eV * std::log(g_r) + p.ea_std_eV * z);
  return std::exp(-ea * th.inv_kt_delta);
}

void PcmArray::ActivationEnergy(ArrayD& out) const {
  const PcmParams& p = params_;
  out.resize(n_);
  for (Index i = 0; i < n_; ++i) {
    const double g_r = std::clamp(state_.g_a0[i] / p.g_max, 1e-7, 1.0);
    const double z = derived_.z_ea.size() ? derived_.z_ea[i] : 0.0;
    out[i] = std::max(0.0, p.activation_energy_eV - p.ea_log_slope_eV * std::log(g_r) + p.ea_std_eV * z);
  }
}

void PcmArray::AmorphousShare(double t_s, ArrayD& out) const {
  CheckTime(t_s, "AmorphousShare");
  out.resize(n_);
  const ThermalState th = Thermal(t_s);
  Eigen::Array<double, kChunk, 1> g;
  for (Index c = 0; c < n_; c += kChunk)
    EvalChunk(c, std::min<Index>(kChunk, n_ - c), t_s, th, g.data(), nullptr, out.data() + c);
}

double PcmArray::IvArgument(double t_s) const {
  if (params_.iv_v0_V == 0.0) return 0.0;
  const double v0 = params_.iv_v0_V * TemperatureAt(t_s) / params_.t_ref_K;
  return params_.iv_v_read_V / v0;
}

}  // namespace pcmsim::device
