// Rendering of TextTable in the four output formats.
#include "text_table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "pcmsim/core/error.hpp"

namespace pcmsim::cli {

TableFormat TableFormatFromString(const std::string& name) {
  if (name == "table") return TableFormat::kTable;
  if (name == "markdown") return TableFormat::kMarkdown;
  if (name == "csv") return TableFormat::kCsv;
  if (name == "json") return TableFormat::kJson;
  throw ConfigError(StrCat("--format '", name, "' is not one of: table, markdown, csv, json"));
}

std::string Num(double v) {
  if (std::isnan(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4g", v);
  return buf;
}

namespace {
std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}
}  // namespace

std::string TextTable::Render(TableFormat f) const {
  std::string out;
  if (f == TableFormat::kJson) return out;
  if (f == TableFormat::kCsv) {
    if (!title.empty()) out += "# " + title + "\n";
    auto line = [&](const std::vector<std::string>& r) {
      for (size_t i = 0; i < r.size(); ++i) {
        if (i > 0) out += ',';
        out += CsvField(r[i]);
      }
      out += '\n';
    };
    line(header);
    for (const auto& r : rows) line(r);
    return out;
  }
  if (f == TableFormat::kMarkdown) {
    if (!title.empty()) out += "### " + title + "\n\n";
    auto line = [&](const std::vector<std::string>& r) {
      out += "|";
      for (const auto& c : r) out += " " + c + " |";
      out += "\n";
    };
    line(header);
    out += "|";
    for (size_t i = 0; i < header.size(); ++i) out += " --- |";
    out += "\n";
    for (const auto& r : rows) line(r);
    return out + "\n";
  }
  std::vector<size_t> width(header.size(), 0);
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], r[i].size());
  auto line = [&](const std::vector<std::string>& r) {
    for (size_t i = 0; i < r.size(); ++i) {
      out += r[i] + std::string(width[i] - r[i].size() + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += "\n";
  };
  if (!title.empty()) out += title + "\n";
  line(header);
  for (const auto& r : rows) line(r);
  return out + "\n";
}

nlohmann::json TextTable::ToJson() const {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json o = nlohmann::json::object();
    for (size_t i = 0; i < r.size() && i < header.size(); ++i) o[header[i]] = r[i];
    arr.push_back(o);
  }
  return arr;
}

std::string RenderList(const std::string& title, const std::vector<std::string>& items, TableFormat f) {
  std::string out;
  if (f == TableFormat::kJson) return out;
  if (f == TableFormat::kCsv) {
    out += "# " + title + "\n";
    for (const auto& s : items) out += "# " + s + "\n";
    return out;
  }
  out += (f == TableFormat::kMarkdown ? "### " : "") + title + (f == TableFormat::kMarkdown ? "\n\n" : "\n");
  for (const auto& s : items) out += (f == TableFormat::kMarkdown ? "- " : "  - ") + s + "\n";
  return out + "\n";
}

}  // namespace pcmsim::cli
