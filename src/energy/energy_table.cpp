// The look-ups the ledger needs in a loaded energy table (the TOML reader that fills it lives
// in experiment/energy_table_load).
#include "pcmsim/energy/energy_table.hpp"

#include <cmath>

#include "pcmsim/core/error.hpp"

namespace pcmsim::energy {

std::string TableEntry::Text() const {
  return StrCat(key, " = ", value, " ", unit, "  [", source, "; ", status, "]");
}

double ConverterModel::EnergyAt(int bits) const {
  if (bits <= 0) return 0.0;
  if (scaling == BitScaling::kWalden) return ref_J * std::ldexp(1.0, bits - ref_bits);
  return ref_J * bits / ref_bits;
}

const FormatCost& EnergyTable::Format(std::string_view name) const {
  auto it = formats.find(name);
  if (it == formats.end()) {
    std::string list;
    for (const auto& [n, f] : formats) list += (list.empty() ? "" : ", ") + n;
    throw ConfigError(StrCat(digital_source, ": format '", name, "' is not in the energy table (known: ", list, ")"));
  }
  return it->second;
}

namespace {
std::pair<std::string_view, std::string_view> SplitMac(std::string_view key) {
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos) {
    throw ConfigError(StrCat("MAC key '", key, "' must be \"operand/accumulator\", e.g. \"fp8_152/fp16_169\""));
  }
  return {key.substr(0, slash), key.substr(slash + 1)};
}
}  // namespace

double EnergyTable::MacEnergy(std::string_view mac_key) const {
  const auto [op, acc] = SplitMac(mac_key);
  return Format(op).multiply_J + Format(acc).add_J;
}

std::vector<std::string> EnergyTable::MacEntries(std::string_view mac_key) const {
  const auto [op, acc] = SplitMac(mac_key);
  return {Format(op).multiply_key, Format(acc).add_key};
}

double EnergyTable::MemoryEnergyPerByte(std::string_view level) const {
  auto it = memory_J_per_byte.find(level);
  if (it == memory_J_per_byte.end()) {
    throw ConfigError(StrCat(digital_source, ": memory level '", level, "' is not in the energy table"));
  }
  return it->second;
}

std::vector<std::string> EnergyTable::Assumptions(const std::vector<std::string>& keys) const {
  std::vector<std::string> out;
  if (keys.empty()) {
    for (const auto& [k, e] : entries) out.push_back(e.Text());
    return out;
  }
  for (const auto& k : keys) {
    auto it = entries.find(k);
    if (it != entries.end()) out.push_back(it->second.Text());
  }
  return out;
}

std::string EnergyTable::Level() const {
  if (chip.digital && chip.analog) return "chip";
  if (!chip.digital && !chip.analog) return "device";
  return chip.digital ? "mixed (digital chip, analog device)" : "mixed (digital device, analog chip)";
}

MacClass EnergyTable::ClassOf(std::string_view format) const {
  return Format(format).IsInteger() ? MacClass::kInteger : MacClass::kFloat;
}

}  // namespace pcmsim::energy
