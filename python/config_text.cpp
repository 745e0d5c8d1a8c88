// Python dicts and lists as TOML text (see config_text.hpp).
#include "config_text.hpp"

#include <cmath>
#include <cstdio>

#include "pcmsim/core/error.hpp"

namespace pcmsim::python {
namespace {

bool BareKey(const std::string& k) {
  if (k.empty()) return false;
  for (char c : k) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  }
  return true;
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string KeyText(const std::string& k) { return BareKey(k) ? k : Quote(k); }

std::string Number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  std::string s = buf;
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";  // stays a TOML float
  return s;
}

}  // namespace

std::string TomlValue(const py::handle& v, const std::string& key) {
  if (py::isinstance<py::bool_>(v)) return v.cast<bool>() ? "true" : "false";
  if (py::isinstance<py::int_>(v)) return std::string(py::str(v));
  if (py::isinstance<py::float_>(v)) return Number(v.cast<double>());
  if (py::isinstance<py::str>(v)) return Quote(v.cast<std::string>());
  if (py::hasattr(v, "__fspath__")) return Quote(py::str(v.attr("__fspath__")()).cast<std::string>());
  if (py::isinstance<py::dict>(v)) {
    std::string s = "{";
    bool first = true;
    for (const auto& [k, x] : py::reinterpret_borrow<py::dict>(v)) {
      const std::string name = py::str(k);
      s += (first ? " " : ", ") + KeyText(name) + " = " + TomlValue(x, key + "." + name);
      first = false;
    }
    return s + (first ? "}" : " }");
  }
  if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) {
    std::string s = "[";
    std::size_t i = 0;
    for (const auto& x : v) {
      s += (i ? ", " : "") + TomlValue(x, StrCat(key, "[", i, "]"));
      ++i;
    }
    return s + "]";
  }
  // numpy scalars and other numbers: through float/int if they convert exactly.
  if (py::hasattr(v, "item")) return TomlValue(v.attr("item")(), key);
  throw py::type_error(StrCat(key, ": a ", std::string(py::str(py::type::of(v).attr("__name__"))),
                              " cannot be a config value (bool, int, float, str, list or dict)"));
}

std::vector<std::string> Overrides(const py::handle& overrides, const std::string& prefix) {
  std::vector<std::string> out;
  if (overrides.is_none()) return out;
  const std::string p = prefix.empty() ? "" : prefix + ".";
  if (py::isinstance<py::dict>(overrides)) {
    for (const auto& [k, v] : py::reinterpret_borrow<py::dict>(overrides)) {
      const std::string key = p + std::string(py::str(k));
      if (py::isinstance<py::dict>(v)) {
        for (auto& o : Overrides(v, key)) out.push_back(std::move(o));
      } else {
        out.push_back(key + "=" + TomlValue(v, key));
      }
    }
    return out;
  }
  if (py::isinstance<py::list>(overrides) || py::isinstance<py::tuple>(overrides)) {
    for (const auto& o : overrides) {
      if (!py::isinstance<py::str>(o)) throw py::type_error("overrides: a list must hold 'key=value' strings");
      out.push_back(p + o.cast<std::string>());
    }
    return out;
  }
  throw py::type_error("overrides: expected a dict {key: value} or a list of 'key=value' strings");
}

std::string TomlDocument(const py::dict& d) {
  std::string text;
  for (const auto& [k, v] : d) {
    const std::string name = py::str(k);
    text += KeyText(name) + " = " + TomlValue(v, name) + "\n";
  }
  return text;
}

}  // namespace pcmsim::python
