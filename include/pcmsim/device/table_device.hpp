// device::TableDevice: a cell defined by measured data (`model = "table"` in a device file),
// every statistic a piecewise-linear table of conductance (what `pcmsim fit-device` fits
// from traces). Its arrays implement the CellArray seam, so it works under every tile,
// training method, drift-time inference and the energy model like the PCM presets.
//
// The cell (G in S, t in s; xi, z independent standard normals):
//   programming at t_p to target G_T:  G_p = G_T + program_std(G_T) xi
//   drift:        G(t) = G_p ((t - t_p + t0) / t0)^-nu,  nu = max(0, nu_mean(G_p) + nu_std(G_p) z_nu)
//                 (z_nu fixed per device, so a device keeps its rank in nu)
//   read:         G(t) + read_std(G(t)) xi (one draw per read; time-independent std)
//   SET pulse:    G <- G + gain set_mean(G) + set_std(G) xi,  gain = max(0, 1 + set_gain_dtod z_g)
//                 per device (device-to-device), xi per pulse (cycle-to-cycle), from the
//                 present drifted G; drift restarts at the pulse
//   RESET pulse:  G <- reset_mean(G) + reset_std(G) xi (the level after the pulse)
//   program-and-verify: repeat { program to G_T; verify read } until |read - G_T| <= pv_tolerance
//                 or pv_max_iterations pulses.
// Every conductance is clipped to [g_min, g_clip_max]; targets to [g_min, g_max].
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "pcmsim/device/cell_array.hpp"
#include "pcmsim/device/piecewise_linear.hpp"

namespace pcmsim::device {

struct TableDevice : DeviceModel {
  std::string name = "table";
  double g_min = 0.0;         // S, bottom of the window, >= 0
  double g_max = 25e-6;       // S, top of the programmable range, > g_min
  double g_clip_max = 40e-6;  // S, physical ceiling, >= g_max

  PiecewiseLinear program_std = PiecewiseLinear::Constant(0.0);  // S vs target (S)
  double t0 = 20.0;                                              // s, > 0
  PiecewiseLinear nu_mean = PiecewiseLinear::Constant(0.0);      // drift exponent vs G_p (S)
  PiecewiseLinear nu_std = PiecewiseLinear::Constant(0.0);       // its device-to-device std
  PiecewiseLinear read_std = PiecewiseLinear::Constant(0.0);     // S vs G (S)
  PiecewiseLinear set_mean = PiecewiseLinear::Constant(0.0);     // S per SET pulse vs G before (S)
  PiecewiseLinear set_std = PiecewiseLinear::Constant(0.0);      // S, cycle-to-cycle
  double set_gain_dtod = 0.0;                                    // relative device-to-device std, [0, 1)
  PiecewiseLinear reset_mean = PiecewiseLinear::Constant(0.0);   // S, G after a RESET vs G before
  PiecewiseLinear reset_std = PiecewiseLinear::Constant(0.0);    // S
  double pv_tolerance = 0.25e-6;                                 // S, >= 0
  int pv_max_iterations = 20;                                    // >= 1

  std::string_view Name() const override { return name; }
  void Validate() const override;  // ConfigError "field: reason"
  std::unique_ptr<CellArray> MakeArray(Index n, std::uint64_t master_seed,
                                       std::uint64_t stream_index) const override;
};

// The tables of a table device, in one list that validation, the file reader and writer
// and the fit all walk (so a new table is one line here).
struct TableField {
  const char* key;                      // file key, e.g. "set.mean"
  PiecewiseLinear TableDevice::*table;  // the member
  bool conductance;                     // values in S (file: value_uS) or dimensionless (file: value)
  bool non_negative;
  const char* statistic;                // its statistic in device/trace_fit.hpp
};
std::span<const TableField> TableFields();

}  // namespace pcmsim::device
