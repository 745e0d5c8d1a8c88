// Strict config reading: types, unknown keys, overrides, syntax errors, paths.
#include "pcmsim/io/config.hpp"

#include <cmath>
#include <limits>

#include "test_util.hpp"

namespace pcmsim::io {
namespace {

TEST(ConfigTest, TypedLookupsAndDefaults) {
  auto cfg = ConfigReader::FromString("[a]\nx = 3\ny = 2.5\nname = 'hi'\nlist = [1, 2, 3]\nflag = true\n", "t.toml");
  EXPECT_EQ(cfg.GetInt("a.x", 0), 3);
  EXPECT_DOUBLE_EQ(cfg.GetDouble("a.x", 0), 3.0);  // integers accepted as numbers
  EXPECT_DOUBLE_EQ(cfg.GetDouble("a.y", 0), 2.5);
  EXPECT_EQ(cfg.GetString("a.name", ""), "hi");
  EXPECT_EQ(cfg.GetIntList("a.list", {}), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_TRUE(cfg.GetBool("a.flag", false));
  EXPECT_EQ(cfg.GetInt("a.missing", 7), 7);
  EXPECT_NO_THROW(cfg.CheckAllConsumed());
}

TEST(ConfigTest, WrongTypeNamesFileKeyAndTypes) {
  auto cfg = ConfigReader::FromString("[train]\nepochs = 'ten'\n", "exp.toml");
  PCMSIM_EXPECT_THROW_MSG(cfg.GetInt("train.epochs", 1), ConfigError, "exp.toml", "train.epochs", "integer",
                          "string");
  // A list key given a value of another type (before: "expected an array of a numbers").
  auto list = ConfigReader::FromString("[t]\ng_uS = 'abc'\nn = 'x'\n", "dev.toml");
  PCMSIM_EXPECT_THROW_MSG(list.GetDoubleList("t.g_uS", {}), ConfigError, "dev.toml", "t.g_uS",
                          "expected an array of numbers, found a string");
  PCMSIM_EXPECT_THROW_MSG(list.GetIntList("t.n", {}), ConfigError, "expected an array of integers, found a string");
}

TEST(ConfigTest, UnknownKeyIsAnError) {
  auto cfg = ConfigReader::FromString("[device]\ndrfit_nu = 0.05\nnu = 1\n", "dev.toml");
  cfg.GetDouble("device.nu", 0);
  PCMSIM_EXPECT_THROW_MSG(cfg.CheckAllConsumed(), ConfigError, "dev.toml", "unknown key", "device.drfit_nu");
}

TEST(ConfigTest, SyntaxErrorGivesLineAndColumn) {
  PCMSIM_EXPECT_THROW_MSG(ConfigReader::FromString("[a]\nx = = 1\n", "bad.toml"), ConfigError, "bad.toml:2:",
                          "syntax");
}

TEST(ConfigTest, MissingFileIsIoError) {
  PCMSIM_EXPECT_THROW_MSG(ConfigReader::FromFile("/nonexistent/x.toml"), IoError, "/nonexistent/x.toml");
}

TEST(ConfigTest, OverridesReplaceAndTypoFails) {
  auto cfg = ConfigReader::FromString("[train]\nlr = 0.1\n", "e.toml");
  cfg.ApplyOverride("train.lr=0.5");
  cfg.ApplyOverride("model.backend=fp8");  // bare word -> string
  EXPECT_DOUBLE_EQ(cfg.GetDouble("train.lr", 0), 0.5);
  EXPECT_EQ(cfg.GetString("model.backend", ""), "fp8");
  cfg.ApplyOverride("train.lrr=1");
  PCMSIM_EXPECT_THROW_MSG(cfg.CheckAllConsumed(), ConfigError, "train.lrr");
  PCMSIM_EXPECT_THROW_MSG(cfg.ApplyOverride("novalue"), ConfigError, "key=value");
  EXPECT_NE(cfg.Text().find("0.5"), std::string::npos);
}

TEST(ConfigTest, EnumListsChoices) {
  enum class Mode { kA, kB };
  auto cfg = ConfigReader::FromString("mode = 'c'\n", "m.toml");
  PCMSIM_EXPECT_THROW_MSG((cfg.GetEnum<Mode>("mode", Mode::kA, {{"a", Mode::kA}, {"b", Mode::kB}})), ConfigError,
                          "m.toml", "mode", "'c'", "a, b");
}

TEST(ConfigTest, RelativePathsResolveAgainstFileFolder) {
  const auto dir = testing::TempDir();
  testing::WriteFile(dir / "e.toml", "p = 'sub/file.gz'\nq = 'x.gz'\n");
  auto cfg = ConfigReader::FromFile(dir / "e.toml");
  EXPECT_EQ(cfg.GetPath("p", ""), (dir / "sub/file.gz").lexically_normal());
  cfg.ApplyOverride("q=y.gz");
  EXPECT_EQ(cfg.GetPath("q", ""), (std::filesystem::current_path() / "y.gz").lexically_normal());
}

TEST(ConfigTest, RequireMessage) {
  PCMSIM_EXPECT_THROW_MSG(Require(false, "device.g_min_uS", 30, "must be < g_max_uS"), ConfigError,
                          "device.g_min_uS = 30: must be < g_max_uS");
}

// Regression: `x >= 0` holds for inf, so train.weight_decay = inf passed validation.
// Every real value must be finite unless the key says what inf means.
TEST(ConfigTest, RequireRejectsNonFiniteValues) {
  const double inf = std::numeric_limits<double>::infinity();
  PCMSIM_EXPECT_THROW_MSG(Require(inf >= 0, "train.weight_decay", inf, "must be >= 0"), ConfigError,
                          "train.weight_decay = inf: must be a finite number");
  PCMSIM_EXPECT_THROW_MSG(Require(true, "x", -inf, ""), ConfigError, "x = -inf: must be a finite number");
  PCMSIM_EXPECT_THROW_MSG(Require(true, "f", std::numeric_limits<float>::infinity(), ""), ConfigError, "f = inf");
  PCMSIM_EXPECT_THROW_MSG(RequireFinite("y", std::nan("")), ConfigError, "y = nan");
  EXPECT_NO_THROW(Require(true, "z", 1e308, "big but finite"));
  EXPECT_NO_THROW(Require(true, "n", std::int64_t{5}, "integers are always finite"));
  EXPECT_NO_THROW(RequireAllowInfinite(inf >= 0, "fit.split", inf, "must be >= 0"));
  PCMSIM_EXPECT_THROW_MSG(RequireAllowInfinite(true, "fit.low_min", std::nan(""), ""), ConfigError,
                          "fit.low_min = nan");
}

TEST(ConfigTest, DirectoryIsNotAConfigFile) {
  const auto dir = testing::TempDir();
  const std::string name = dir.filename().string();
  PCMSIM_EXPECT_THROW_MSG(ConfigReader::FromFile(dir), IoError, name.c_str(), "is a directory");
}

}  // namespace
}  // namespace pcmsim::io
