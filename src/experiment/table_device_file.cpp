// Reading and writing the table device's TOML.
#include "pcmsim/experiment/table_device_file.hpp"

#include <cstdint>
#include <cstdio>
#include <sstream>

namespace pcmsim::experiment {
namespace {

using device::PiecewiseLinear;
using device::TableDevice;

constexpr double kUs = 1e-6;

// A table [key] with knots g_uS and values `value_key`, scaled by `unit` into SI.
PiecewiseLinear ReadTable(io::ConfigReader& r, const std::string& key, const char* value_key, double unit) {
  if (r.Keys(key).empty()) r.Fail(key, "is required (a table with g_uS and " + std::string(value_key) + ")");
  if (!r.Has(key + ".g_uS")) r.Fail(key + ".g_uS", "is required");
  if (!r.Has(key + "." + value_key)) r.Fail(key + "." + value_key, "is required");
  PiecewiseLinear t;
  for (double g : r.GetDoubleList(key + ".g_uS", {})) t.x.push_back(g * kUs);
  for (double v : r.GetDoubleList(key + "." + value_key, {})) t.y.push_back(v * unit);
  t.source = r.GetString(key + ".source", "");
  return t;
}

std::string List(const std::vector<double>& v, double unit) {
  std::string s = "[";
  char buf[40];
  for (size_t i = 0; i < v.size(); ++i) {
    std::snprintf(buf, sizeof(buf), "%.17g", v[i] / unit);
    s += (i ? ", " : "") + std::string(buf);
  }
  return s + "]";
}

std::string Num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

void WriteTable(std::ostringstream& o, const std::string& key, const PiecewiseLinear& t, const char* value_key,
                double unit) {
  o << "\n[" << key << "]\n";
  if (!t.source.empty()) o << "source = " << Quoted(t.source) << "\n";
  o << "g_uS = " << List(t.x, kUs) << "\n" << value_key << " = " << List(t.y, unit) << "\n";
}

}  // namespace

TableDevice LoadTableDevice(io::ConfigReader& r, std::string_view prefix) {
  const std::string K = prefix.empty() ? std::string() : std::string(prefix) + ".";
  TableDevice d;
  d.name = r.GetString(K + "name", d.name);
  if (r.GetString(K + "model", "table") != "table") r.Fail(K + "model", "must be \"table\" for a table device");
  d.g_min = r.GetDouble(K + "range.g_min_uS", d.g_min / kUs) * kUs;
  d.g_max = r.GetDouble(K + "range.g_max_uS", d.g_max / kUs) * kUs;
  d.g_clip_max = r.GetDouble(K + "range.g_clip_max_uS", d.g_clip_max / kUs) * kUs;
  d.t0 = r.GetDouble(K + "drift.t0_s", d.t0);
  d.set_gain_dtod = r.GetDouble(K + "set.gain_dtod", d.set_gain_dtod);
  for (const device::TableField& f : device::TableFields()) {
    d.*f.table = ReadTable(r, K + f.key, f.conductance ? "value_uS" : "value", f.conductance ? kUs : 1.0);
  }
  d.pv_tolerance = r.GetDouble(K + "program_verify.tolerance_uS", d.pv_tolerance / kUs) * kUs;
  // Range-checked before the conversion to int (4294967297 became 1), with the bound of the
  // PCM presets (an unbounded count with tolerance 0 never ends program-and-verify).
  const std::int64_t iters = r.GetInt(K + "program_verify.max_iterations", d.pv_max_iterations);
  if (iters < 1 || iters > 100000) r.Fail(K + "program_verify.max_iterations", "must be in [1, 100000]");
  d.pv_max_iterations = static_cast<int>(iters);
  try {
    d.Validate();
  } catch (const ConfigError& e) {
    throw ConfigError(StrCat(r.Source(), ": ", K, e.what()));
  }
  return d;
}

std::string TableDeviceToml(const TableDevice& d, const std::string& header) {
  std::ostringstream o;
  std::istringstream lines(header);
  for (std::string line; std::getline(lines, line);) o << "# " << line << "\n";
  o << "name = " << Quoted(d.name) << "\nmodel = \"table\"\n";
  o << "\n[range]\ng_min_uS = " << Num(d.g_min / kUs) << "\ng_max_uS = " << Num(d.g_max / kUs)
    << "\ng_clip_max_uS = " << Num(d.g_clip_max / kUs) << "\n";
  o << "\n[drift]\nt0_s = " << Num(d.t0) << "\n";
  o << "\n[set]\ngain_dtod = " << Num(d.set_gain_dtod) << "\n";
  o << "\n[program_verify]\ntolerance_uS = " << Num(d.pv_tolerance / kUs)
    << "\nmax_iterations = " << d.pv_max_iterations << "\n";
  for (const device::TableField& f : device::TableFields()) {
    WriteTable(o, f.key, d.*f.table, f.conductance ? "value_uS" : "value", f.conductance ? kUs : 1.0);
  }
  return o.str();
}

}  // namespace pcmsim::experiment
