// TileOptions from TOML: one key per field, same names as the struct fields.
#include "pcmsim/experiment/options_load.hpp"

#include <string>

namespace pcmsim::experiment {

using namespace crossbar;  // the option types and enums read here
namespace {

PeripheryOptions LoadPeriphery(io::ConfigReader& cfg, const std::string& p, PeripheryOptions o) {
  o.dac_bits = static_cast<int>(cfg.GetInt(p + ".dac_bits", o.dac_bits));
  o.encoding = cfg.GetEnum<InputEncoding>(p + ".encoding", o.encoding,
                                          {{"amplitude", InputEncoding::kAmplitude},
                                           {"pulse_width", InputEncoding::kPulseWidth}});
  o.noise_management = cfg.GetEnum<NoiseManagement>(p + ".noise_management", o.noise_management,
                                                    {{"none", NoiseManagement::kNone},
                                                     {"abs_max", NoiseManagement::kAbsMax}});
  o.input_scale = cfg.GetDouble(p + ".input_scale", o.input_scale);
  o.adc_bits = static_cast<int>(cfg.GetInt(p + ".adc_bits", o.adc_bits));
  o.output_bound = cfg.GetDouble(p + ".output_bound", o.output_bound);
  o.output_noise = cfg.GetDouble(p + ".output_noise", o.output_noise);
  o.bound_management = cfg.GetEnum<BoundManagement>(p + ".bound_management", o.bound_management,
                                                    {{"none", BoundManagement::kNone},
                                                     {"iterative", BoundManagement::kIterative}});
  o.max_bound_rounds = static_cast<int>(cfg.GetInt(p + ".max_bound_rounds", o.max_bound_rounds));
  return o;
}

}  // namespace

TileOptions LoadTileOptions(io::ConfigReader& cfg, std::string_view prefix) {
  const std::string p(prefix);
  TileOptions o;
  o.max_rows = cfg.GetInt(p + ".max_rows", o.max_rows);
  o.max_cols = cfg.GetInt(p + ".max_cols", o.max_cols);
  o.pairs_per_weight = static_cast<int>(cfg.GetInt(p + ".pairs_per_weight", o.pairs_per_weight));
  o.significance_base = cfg.GetDouble(p + ".significance_base", o.significance_base);
  o.forward = LoadPeriphery(cfg, p + ".forward", o.forward);
  o.backward = LoadPeriphery(cfg, p + ".backward", o.backward);
  o.r_wire = cfg.GetDouble(p + ".r_wire", o.r_wire);
  o.ir_drop_model = cfg.GetEnum<IrDropModel>(p + ".ir_drop_model", o.ir_drop_model,
                                             {{"fast", IrDropModel::kFast}, {"exact", IrDropModel::kExact}});
  o.read_noise = cfg.GetBool(p + ".read_noise", o.read_noise);
  o.read_noise_model = cfg.GetEnum<ReadNoiseModel>(p + ".read_noise_model", o.read_noise_model,
                                                   {{"per_mvm", ReadNoiseModel::kPerMvm}, {"frozen", ReadNoiseModel::kFrozen}});
  o.drift_compensation = cfg.GetEnum<DriftCompensation>(p + ".drift_compensation", o.drift_compensation,
                                                        {{"none", DriftCompensation::kNone},
                                                         {"global", DriftCompensation::kGlobal},
                                                         {"per_column", DriftCompensation::kPerColumn}});
  o.calibration_samples = cfg.GetInt(p + ".calibration_samples", o.calibration_samples);
  o.program_method = cfg.GetEnum<ProgramMethod>(p + ".program_method", o.program_method,
                                                {{"statistical", ProgramMethod::kStatistical},
                                                 {"program_verify", ProgramMethod::kProgramVerify}});
  o.reread_tolerance = cfg.GetDouble(p + ".reread_tolerance", o.reread_tolerance);
  o.v_read = cfg.GetDouble(p + ".v_read", o.v_read);
  o.input_encoding = cfg.GetEnum<device::InputEncoding>(
      p + ".input_encoding", o.input_encoding,
      {{"pulse_width", device::InputEncoding::kPulseWidth}, {"amplitude", device::InputEncoding::kAmplitude}});
  o.t_integration = cfg.GetDouble(p + ".t_integration", o.t_integration);
  try {
    o.Validate();
  } catch (const ConfigError& e) {
    cfg.Fail(p, e.what());
  }
  return o;
}

}  // namespace pcmsim::experiment
