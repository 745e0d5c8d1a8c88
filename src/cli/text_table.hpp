// A small table of strings printed as aligned text, Markdown, CSV or JSON (an array of
// objects keyed by the header). Shared by `pcmsim compare` and `pcmsim energy`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pcmsim::cli {

enum class TableFormat { kTable, kMarkdown, kCsv, kJson };
TableFormat TableFormatFromString(const std::string& name);  // ConfigError listing choices

struct TextTable {
  std::string title;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  // Text, Markdown and CSV go to the returned string; JSON returns "" (use ToJson).
  std::string Render(TableFormat f) const;
  nlohmann::json ToJson() const;
};

// Numbers for tables: %.4g, or "-" for NaN.
std::string Num(double v);

// A bullet list (text/markdown) or "# " comment lines (csv) of free text.
std::string RenderList(const std::string& title, const std::vector<std::string>& items, TableFormat f);

}  // namespace pcmsim::cli
