// Fp8Options from the [fp8] section of an experiment file.
#include "pcmsim/experiment/options_load.hpp"

#include <utility>
#include <vector>

namespace pcmsim::experiment {

using nn::Fp8Options;
using numerics::Rounding;

nn::Fp8Options ParseFp8Options(io::ConfigReader& cfg, std::string_view prefix) {
  const auto key = [&](const char* name) { return StrCat(prefix, ".", name); };
  const std::vector<std::pair<std::string_view, Rounding>> roundings = {{"nearest", Rounding::kNearest},
                                                                        {"stochastic", Rounding::kStochastic}};
  Fp8Options o;
  o.data_format = cfg.GetString(key("data_format"), o.data_format);
  o.error_format = cfg.GetString(key("error_format"), o.error_format);
  o.edge_data_format = cfg.GetString(key("edge_data_format"), o.edge_data_format);
  o.accum_format = cfg.GetString(key("accum_format"), o.accum_format);
  o.chunk = static_cast<Index>(cfg.GetInt(key("chunk"), o.chunk));
  o.accum_rounding = cfg.GetEnum(key("accum_rounding"), o.accum_rounding, roundings);
  o.master_format = cfg.GetString(key("master_format"), o.master_format);
  o.update_rounding = cfg.GetEnum(key("update_rounding"), o.update_rounding, roundings);
  o.loss_scale = static_cast<float>(cfg.GetDouble(key("loss_scale"), o.loss_scale));
  o.dynamic_loss_scale = cfg.GetBool(key("dynamic_loss_scale"), o.dynamic_loss_scale);
  const std::int64_t window = cfg.GetInt(key("loss_scale_window"), o.loss_scale_window);
  if (window < 1 || window > 1000000) cfg.Fail(key("loss_scale_window"), StrCat(window, ": must be in [1, 1000000]"));
  o.loss_scale_window = static_cast<int>(window);
  try {
    o.Validate();
  } catch (const ConfigError& e) {
    cfg.Fail(prefix, e.what());
  }
  return o;
}

}  // namespace pcmsim::experiment
