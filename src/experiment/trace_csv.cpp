// Device traces as CSV.
#include "pcmsim/experiment/trace_csv.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "pcmsim/core/error.hpp"

namespace pcmsim::experiment {
namespace {

using device::Polarity;
using device::TraceKind;
using device::TraceRow;

constexpr double kUs = 1e-6;
const char* const kColumns[] = {"device", "kind", "polarity", "pulse", "time_s", "g_uS", "target_uS"};

// The fields of a line. A field may be quoted ("a,b", "" for a quote inside), as spreadsheet
// exports write them; blanks around a field and a trailing \r (CRLF files) are dropped.
// Throws on an unterminated quote (the message names the line: `where`).
std::vector<std::string> Split(const std::string& line, const std::string& where) {
  std::vector<std::string> f;
  std::string cur;
  bool quoted = false;  // inside a quoted part
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c != '"') {
        cur += c;
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      f.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  if (quoted) throw ConfigError(StrCat(where, ": a quoted field is not closed (\" missing)"));
  f.push_back(cur);
  for (auto& s : f) {
    const size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
    s = a == std::string::npos ? "" : s.substr(a, b - a + 1);
  }
  return f;
}

double Number(const std::string& s, const std::string& where, const char* column) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) {
    throw ConfigError(StrCat(where, ": ", column, " '", s, "' is not a finite number"));
  }
  return v;
}

// A conductance in uS: beyond 1e6 uS (1 S) a number is not a cell's reading, and its squares
// in the fit's sums overflow (a reading of 1e308 uS left a table entry infinite).
double Conductance(const std::string& s, const std::string& where, const char* column) {
  constexpr double kMaxUs = 1e6;
  const double v = Number(s, where, column);
  if (std::abs(v) > kMaxUs) {
    throw ConfigError(StrCat(where, ": ", column, " ", s, " is beyond +-", kMaxUs, " uS (1 S), not a cell's conductance"));
  }
  return v;
}

// A whole number in [0, max] (device ids, pulse numbers); anything else, e.g. 1e82, is an
// error rather than an out-of-range conversion.
double WholeNumber(const std::string& s, const std::string& where, const char* column, double max) {
  const double v = Number(s, where, column);
  if (v < 0 || v > max || v != std::floor(v)) {
    throw ConfigError(StrCat(where, ": ", column, " '", s, "' is not a whole number in [0, ", max, "]"));
  }
  return v;
}

}  // namespace

void WriteTraceCsv(const std::filesystem::path& path, std::span<const TraceRow> rows, const std::string& comment) {
  std::ofstream out(path);
  if (!out) throw IoError(StrCat(path.string(), ": cannot write"));
  std::istringstream lines(comment);
  for (std::string line; std::getline(lines, line);) out << "# " << line << "\n";
  out << "device,kind,polarity,pulse,time_s,g_uS,target_uS\n";
  char buf[160];
  for (const TraceRow& r : rows) {
    const char* kind = r.kind == TraceKind::kProgram ? "program" : r.kind == TraceKind::kPulse ? "pulse" : "read";
    const char* pol = r.polarity == Polarity::kSet ? "set" : r.polarity == Polarity::kReset ? "reset" : "";
    std::snprintf(buf, sizeof(buf), "%lld,%s,%s,%d,%.9g,%.9g,", static_cast<long long>(r.device), kind, pol, r.pulse,
                  r.time_s, r.g / kUs);
    out << buf;
    if (r.target >= 0) {
      std::snprintf(buf, sizeof(buf), "%.9g", r.target / kUs);
      out << buf;
    }
    out << "\n";
  }
  if (!out) throw IoError(StrCat(path.string(), ": write failed"));
}

std::vector<TraceRow> ReadTraceCsv(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw IoError(StrCat(path.string(), ": cannot open"));
  std::vector<TraceRow> rows;
  std::map<std::string, size_t> col;
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    const std::string where = StrCat(path.string(), ":", n);
    // A UTF-8 byte-order mark (spreadsheet exports) is not part of the first column's name.
    if (n == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    if (line.empty() || line[0] == '#') continue;
    const std::vector<std::string> f = Split(line, where);
    if (col.empty()) {
      for (size_t i = 0; i < f.size(); ++i) {
        // A repeated name would leave the map smaller than the header, and a row of the
        // map's size would then be indexed past its end (found by fuzz_traces).
        if (!col.emplace(f[i], i).second) {
          throw ConfigError(StrCat(where, ": column '", f[i], "' appears twice in the header"));
        }
      }
      for (const char* c : kColumns) {
        if (!col.count(c)) throw ConfigError(StrCat(where, ": missing column '", c, "' in the header"));
      }
      continue;
    }
    if (f.size() != col.size()) {
      throw ConfigError(StrCat(where, ": ", f.size(), " fields, the header has ", col.size()));
    }
    auto get = [&](const char* c) -> const std::string& { return f[col.at(c)]; };
    TraceRow r;
    r.device = static_cast<Index>(WholeNumber(get("device"), where, "device", 1e12));
    const std::string& kind = get("kind");
    if (kind == "program") r.kind = TraceKind::kProgram;
    else if (kind == "pulse") r.kind = TraceKind::kPulse;
    else if (kind == "read") r.kind = TraceKind::kRead;
    else throw ConfigError(StrCat(where, ": kind '", kind, "' is not program, pulse or read"));
    const std::string& pol = get("polarity");
    if (r.kind == TraceKind::kPulse) {
      if (pol == "set") r.polarity = Polarity::kSet;
      else if (pol == "reset") r.polarity = Polarity::kReset;
      else throw ConfigError(StrCat(where, ": polarity '", pol, "' of a pulse row is not set or reset"));
    }
    r.pulse = get("pulse").empty() ? 0 : static_cast<int>(WholeNumber(get("pulse"), where, "pulse", 2147483647.0));
    r.time_s = Number(get("time_s"), where, "time_s");
    if (r.time_s < 0) throw ConfigError(StrCat(where, ": time_s ", r.time_s, " is negative"));
    r.g = Conductance(get("g_uS"), where, "g_uS") * kUs;
    if (r.kind == TraceKind::kProgram) {
      if (get("target_uS").empty()) throw ConfigError(StrCat(where, ": a program row needs target_uS"));
      r.target = Conductance(get("target_uS"), where, "target_uS") * kUs;
      if (r.target < 0) throw ConfigError(StrCat(where, ": target_uS ", r.target / kUs, " is negative"));
    }
    rows.push_back(r);
  }
  if (col.empty()) throw ConfigError(StrCat(path.string(), ": no header line (", "device,kind,polarity,pulse,time_s,g_uS,target_uS)"));
  return rows;
}

}  // namespace pcmsim::experiment
