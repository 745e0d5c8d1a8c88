// Strict TOML configuration on top of toml++: typed dotted-key look-ups, overrides,
// consumed-key tracking and path resolution.
#include "pcmsim/io/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

namespace pcmsim::io {

struct ConfigReader::Impl {
  toml::table root;
  std::string source;
  std::filesystem::path base_dir;          // folder of the file, for relative paths
  std::set<std::string, std::less<>> used;
  std::set<std::string, std::less<>> from_override;
  std::vector<std::filesystem::path> paths_read;
};

namespace {

std::vector<std::string> SplitKey(std::string_view key) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = key.find('.', start);
    parts.emplace_back(key.substr(start, dot == std::string_view::npos ? key.npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

// A part of a dotted key that indexes an array of tables ("model.layer.0.type").
bool ArrayIndex(const std::string& part, size_t& index) {
  if (part.empty() || part.size() > 9 || part.find_first_not_of("0123456789") != std::string::npos) return false;
  index = std::stoul(part);
  return true;
}

const toml::node* Find(const toml::table& root, std::string_view key) {
  const toml::node* n = &root;
  for (const std::string& part : SplitKey(key)) {
    size_t index = 0;
    if (const toml::table* t = n->as_table()) {
      n = t->get(part);
    } else if (const toml::array* a = n->as_array(); a != nullptr && ArrayIndex(part, index)) {
      n = a->get(index);
    } else {
      return nullptr;
    }
    if (n == nullptr) return nullptr;
  }
  return n;
}

bool IsArrayOfTables(const toml::node& n) {
  const toml::array* a = n.as_array();
  return a != nullptr && !a->empty() && a->is_array_of_tables();
}

void CollectLeaves(const toml::table& t, const std::string& prefix, std::vector<std::string>& out) {
  for (const auto& [k, v] : t) {
    const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const auto* sub = v.as_table()) {
      CollectLeaves(*sub, key, out);
    } else if (IsArrayOfTables(v)) {
      const toml::array& a = *v.as_array();
      for (size_t i = 0; i < a.size(); ++i) CollectLeaves(*a[i].as_table(), StrCat(key, ".", i), out);
    } else {
      out.push_back(key);
    }
  }
}

std::string TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    default: return "a date/time";
  }
}

bool PrefixMatches(std::string_view key, std::string_view prefix) {
  if (prefix.empty()) return true;
  return key == prefix || (key.size() > prefix.size() && key.substr(0, prefix.size()) == prefix &&
                           key[prefix.size()] == '.');
}

// TOML text of a value that toml++ parses back to the same value; floats in shortest form.
std::string Render(const toml::node& n) {
  if (auto i = n.value_exact<std::int64_t>()) return std::to_string(*i);
  if (auto d = n.value_exact<double>()) {
    if (std::isnan(*d)) return "nan";
    if (std::isinf(*d)) return *d > 0 ? "inf" : "-inf";
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof(buf), *d);
    std::string s(buf, r.ptr);
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
    return s;
  }
  if (const auto* arr = n.as_array()) {
    std::string s = "[";
    for (size_t i = 0; i < arr->size(); ++i) s += (i ? ", " : "") + Render((*arr)[i]);
    return s + "]";
  }
  if (const auto* t = n.as_table()) {
    std::string s = "{ ";
    bool first = true;
    for (const auto& [k, v] : *t) {
      const std::string_view key = k.str();
      const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-';
      });
      s += StrCat(first ? "" : ", ", bare ? std::string(key) : Render(toml::value<std::string>(std::string(key))),
                  " = ", Render(v));
      first = false;
    }
    return s + " }";
  }
  std::ostringstream os;
  n.visit([&os](const auto& v) { os << v; });  // strings (quoted and escaped), booleans, dates
  return os.str();
}

}  // namespace

ConfigReader::ConfigReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ConfigReader::ConfigReader(ConfigReader&&) noexcept = default;
ConfigReader& ConfigReader::operator=(ConfigReader&&) noexcept = default;
ConfigReader::~ConfigReader() = default;

ConfigReader ConfigReader::FromFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw IoError(StrCat(path.string(), ": is a directory, not a config file (give the .toml file itself)"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(StrCat(path.string(), ": cannot open config file (missing or unreadable)"));
  std::ostringstream ss;
  ss << in.rdbuf();
  ConfigReader reader = FromString(ss.str(), path.string());
  reader.impl_->base_dir = std::filesystem::absolute(path).parent_path();
  return reader;
}

ConfigReader ConfigReader::FromString(std::string_view text, std::string source) {
  auto impl = std::make_unique<Impl>();
  impl->source = std::move(source);
  impl->base_dir = std::filesystem::current_path();
  try {
    impl->root = toml::parse(text, impl->source);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    throw ConfigError(StrCat(impl->source, ":", b.line, ":", b.column, ": TOML syntax error: ",
                             e.description()));
  }
  return ConfigReader(std::move(impl));
}

void ConfigReader::ApplyOverride(std::string_view assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    throw ConfigError(StrCat("--set '", assignment, "': expected key=value"));
  }
  const std::string key(assignment.substr(0, eq));
  const std::string value(assignment.substr(eq + 1));
  toml::table parsed;
  try {
    parsed = toml::parse("v = " + value);
  } catch (const toml::parse_error&) {
    parsed = toml::table{{"v", value}};  // a bare word: take it as a string
  }
  const auto parts = SplitKey(key);
  toml::table* t = &impl_->root;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    toml::node* n = t->get(parts[i]);
    size_t index = 0;
    if (n != nullptr && n->as_array() != nullptr && i + 2 < parts.size() && ArrayIndex(parts[i + 1], index)) {
      // an element of an array of tables: "model.layer.0.out_channels=8"
      toml::node* e = n->as_array()->get(index);
      if (e == nullptr || e->as_table() == nullptr) {
        throw ConfigError(StrCat("--set ", key, ": '", parts[i], "' has no table number ", index));
      }
      t = e->as_table();
      ++i;
      continue;
    }
    if (n == nullptr) {
      t->insert(parts[i], toml::table{});
      n = t->get(parts[i]);
    }
    t = n->as_table();
    if (t == nullptr) throw ConfigError(StrCat("--set ", key, ": '", parts[i], "' is not a table"));
  }
  t->insert_or_assign(parts.back(), *parsed.get("v"));
  impl_->from_override.insert(key);
}

bool ConfigReader::Has(std::string_view key) const { return Find(impl_->root, key) != nullptr; }

std::size_t ConfigReader::TableArraySize(std::string_view key) const {
  const toml::node* n = Find(impl_->root, key);
  if (n == nullptr) return 0;
  if (!IsArrayOfTables(*n)) Fail(key, StrCat("expected an array of tables ([[", key, "]]), found ", TypeName(*n)));
  return n->as_array()->size();
}

namespace {
template <typename T>
std::optional<T> TypedValue(const toml::node& n) {
  if constexpr (std::is_same_v<T, double>) {
    if (auto i = n.value_exact<std::int64_t>()) return static_cast<double>(*i);
    return n.value_exact<double>();
  } else {
    return n.value_exact<T>();
  }
}
constexpr const char* Expected(std::type_identity<bool>) { return "a boolean"; }
constexpr const char* Expected(std::type_identity<std::int64_t>) { return "an integer"; }
constexpr const char* Expected(std::type_identity<double>) { return "a number"; }
constexpr const char* Expected(std::type_identity<std::string>) { return "a string"; }
// The plural, for lists ("an array of numbers").
constexpr const char* ExpectedPlural(std::type_identity<bool>) { return "booleans"; }
constexpr const char* ExpectedPlural(std::type_identity<std::int64_t>) { return "integers"; }
constexpr const char* ExpectedPlural(std::type_identity<double>) { return "numbers"; }
constexpr const char* ExpectedPlural(std::type_identity<std::string>) { return "strings"; }
}  // namespace

template <typename T>
static T GetScalar(ConfigReader& r, const toml::table& root, std::set<std::string, std::less<>>& used,
                   std::string_view key, const T& fallback) {
  const toml::node* n = Find(root, key);
  if (n == nullptr) return fallback;
  used.insert(std::string(key));
  if (auto v = TypedValue<T>(*n)) return *v;
  r.Fail(key, StrCat("expected ", Expected(std::type_identity<T>{}), ", found ", TypeName(*n)));
}

bool ConfigReader::GetBool(std::string_view key, bool fallback) {
  return GetScalar<bool>(*this, impl_->root, impl_->used, key, fallback);
}
std::int64_t ConfigReader::GetInt(std::string_view key, std::int64_t fallback) {
  return GetScalar<std::int64_t>(*this, impl_->root, impl_->used, key, fallback);
}
double ConfigReader::GetDouble(std::string_view key, double fallback) {
  return GetScalar<double>(*this, impl_->root, impl_->used, key, fallback);
}
std::string ConfigReader::GetString(std::string_view key, const std::string& fallback) {
  return GetScalar<std::string>(*this, impl_->root, impl_->used, key, fallback);
}

template <typename T>
static std::vector<T> GetList(ConfigReader& r, const toml::table& root,
                              std::set<std::string, std::less<>>& used, std::string_view key,
                              const std::vector<T>& fallback) {
  const toml::node* n = Find(root, key);
  if (n == nullptr) return fallback;
  used.insert(std::string(key));
  const toml::array* arr = n->as_array();
  if (arr == nullptr) {
    // A single value where a list is expected is accepted as a list of one.
    if (auto v = TypedValue<T>(*n)) return {*v};
    r.Fail(key, StrCat("expected an array of ", ExpectedPlural(std::type_identity<T>{}), ", found ", TypeName(*n)));
  }
  std::vector<T> out;
  for (size_t i = 0; i < arr->size(); ++i) {
    auto v = TypedValue<T>((*arr)[i]);
    if (!v) {
      r.Fail(key, StrCat("element ", i, " is ", TypeName((*arr)[i]), ", expected ",
                         Expected(std::type_identity<T>{})));
    }
    out.push_back(*v);
  }
  return out;
}

std::vector<std::int64_t> ConfigReader::GetIntList(std::string_view key,
                                                   const std::vector<std::int64_t>& fallback) {
  return GetList<std::int64_t>(*this, impl_->root, impl_->used, key, fallback);
}
std::vector<double> ConfigReader::GetDoubleList(std::string_view key, const std::vector<double>& fallback) {
  return GetList<double>(*this, impl_->root, impl_->used, key, fallback);
}
std::vector<std::string> ConfigReader::GetStringList(std::string_view key,
                                                     const std::vector<std::string>& fallback) {
  return GetList<std::string>(*this, impl_->root, impl_->used, key, fallback);
}

std::filesystem::path ConfigReader::GetPath(std::string_view key, const std::filesystem::path& fallback) {
  if (!Has(key)) return fallback;
  std::filesystem::path p = GetString(key, "");
  if (p.empty()) return p;
  if (p.is_relative()) {
    const bool from_cli = impl_->from_override.count(key) > 0;
    p = (from_cli ? std::filesystem::current_path() : impl_->base_dir) / p;
  }
  p = p.lexically_normal();
  impl_->paths_read.push_back(p);
  return p;
}

const std::vector<std::filesystem::path>& ConfigReader::PathsRead() const { return impl_->paths_read; }

std::string ConfigReader::ValueText(std::string_view key) {
  const toml::node* n = Find(impl_->root, key);
  if (n == nullptr) Fail(key, "is missing");
  impl_->used.insert(std::string(key));
  std::ostringstream os;
  n->visit([&](const auto& v) { os << v; });
  return os.str();
}

namespace {
ConfigReader::Value MakeValue(const toml::node& n) {
  ConfigReader::Value v;
  v.text = Render(n);
  if (auto str = n.value_exact<std::string>()) v.string = *str;
  if (n.is_integer() || n.is_floating_point()) v.number = *n.value<double>();
  return v;
}
}  // namespace

ConfigReader::Value ConfigReader::GetValue(std::string_view key) {
  const toml::node* n = Find(impl_->root, key);
  if (n == nullptr) Fail(key, "is missing");
  impl_->used.insert(std::string(key));
  return MakeValue(*n);
}

std::vector<ConfigReader::Value> ConfigReader::GetArray(std::string_view key) {
  const toml::node* n = Find(impl_->root, key);
  if (n == nullptr) Fail(key, "is missing");
  const toml::array* arr = n->as_array();
  if (arr == nullptr) Fail(key, StrCat("expected an array, found ", TypeName(*n)));
  impl_->used.insert(std::string(key));
  std::vector<Value> out;
  for (const auto& e : *arr) out.push_back(MakeValue(e));
  return out;
}

std::string ConfigReader::QuoteString(std::string_view s) { return Render(toml::value<std::string>(std::string(s))); }

void ConfigReader::MarkUsed(std::string_view prefix) {
  for (const auto& k : Keys(prefix)) impl_->used.insert(k);
}

std::vector<std::string> ConfigReader::Keys(std::string_view prefix) const {
  std::vector<std::string> all, out;
  CollectLeaves(impl_->root, "", all);
  for (auto& k : all)
    if (PrefixMatches(k, prefix)) out.push_back(std::move(k));
  return out;
}

void ConfigReader::CheckAllConsumed() const {
  std::vector<std::string> unknown;
  for (const auto& k : Keys())
    if (impl_->used.count(k) == 0) unknown.push_back(k);
  if (unknown.empty()) return;
  std::string list;
  for (size_t i = 0; i < unknown.size() && i < 5; ++i) list += (i ? ", '" : "'") + unknown[i] + "'";
  if (unknown.size() > 5) list += StrCat(" and ", unknown.size() - 5, " more");
  throw ConfigError(StrCat(impl_->source, ": unknown key", unknown.size() > 1 ? "s " : " ", list,
                           " (misspelt, or not valid in this section)"));
}

std::string ConfigReader::Text() const {
  std::ostringstream os;
  os << impl_->root;
  return os.str();
}

const std::string& ConfigReader::Source() const { return impl_->source; }

void ConfigReader::Fail(std::string_view key, std::string_view reason) const {
  throw ConfigError(StrCat(impl_->source, ": key '", key, "': ", reason));
}

}  // namespace pcmsim::io
