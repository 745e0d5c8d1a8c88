// -o safety (io::CheckOutputFile) and stale-temporary removal, on real files.
#include "pcmsim/io/output_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include "pcmsim/core/error.hpp"
#include "pcmsim/io/h5.hpp"
#include "test_util.hpp"

namespace pcmsim::io {
namespace {

void WritePcmsimLike(const std::filesystem::path& p) {
  H5Writer w(p);
  w.WriteAttr("/", "schema_version", std::int64_t{1});
  w.WriteAttr("/", "kind", "run");
  w.Commit();
}

// Regression: `pcmsim run base.toml -o base.toml` replaced the experiment file, and any
// other file or device node was overwritten too; a directory output failed after training.
TEST(OutputFileTest, RefusesWhatIsNotAPcmsimResultOrIsAnInput) {
  const auto dir = testing::TempDir();
  testing::WriteFile(dir / "exp.toml", "[experiment]\n");
  PCMSIM_EXPECT_THROW_MSG(CheckOutputFile(dir / "exp.toml", {dir / "exp.toml"}), IoError, "exp.toml",
                          "is an input of this run");
  std::filesystem::create_symlink(dir / "exp.toml", dir / "link.h5");
  PCMSIM_EXPECT_THROW_MSG(CheckOutputFile(dir / "link.h5", {dir / "exp.toml"}), IoError, "is an input");
  PCMSIM_EXPECT_THROW_MSG(CheckOutputFile(dir / "exp.toml", {}), IoError, "exp.toml", "not a pcmsim result file");
  std::filesystem::create_directories(dir / "sub");
  PCMSIM_EXPECT_THROW_MSG(CheckOutputFile(dir / "sub", {}), IoError, "sub", "is a directory");
  {
    H5Writer w(dir / "foreign.h5");
    w.WriteVector("/x", std::vector<double>{1, 2});
    w.Commit();
  }
  PCMSIM_EXPECT_THROW_MSG(CheckOutputFile(dir / "foreign.h5", {}), IoError, "foreign.h5", "not a pcmsim result file");
  PCMSIM_EXPECT_THROW_MSG(CheckOutputFile(dir / "exp.toml" / "out.h5", {}), IoError, "cannot create its folder");
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  PCMSIM_EXPECT_THROW_MSG(CheckOutputFile(dir / "fifo", {}), IoError, "fifo", "not a regular file");
  // Allowed: a new file in a new folder, and an earlier pcmsim result.
  EXPECT_NO_THROW(CheckOutputFile(dir / "new" / "r.h5", {dir / "exp.toml"}));
  EXPECT_TRUE(std::filesystem::is_directory(dir / "new"));
  EXPECT_FALSE(std::filesystem::exists(dir / "new" / "r.h5.tmp"));  // the probe is removed
  WritePcmsimLike(dir / "old.h5");
  EXPECT_TRUE(IsPcmsimFile(dir / "old.h5"));
  EXPECT_NO_THROW(CheckOutputFile(dir / "old.h5", {dir / "exp.toml"}));
  testing::WriteFile(dir / "exp.toml", "[experiment]\n");
  EXPECT_FALSE(IsPcmsimFile(dir / "exp.toml"));
}

// Regression: after kill -9 during a write, OUT.h5.tmp stayed behind (unopenable).
TEST(OutputFileTest, StaleTemporaryIsRemovedAndReported) {
  const auto dir = testing::TempDir();
  testing::WriteFile(dir / "r.h5.tmp", "\x89HDF\r\n partial");
  std::vector<std::string> lines;
  RemoveStaleTemporary(dir / "r.h5", [&](const std::string& m) { lines.push_back(m); });
  EXPECT_FALSE(std::filesystem::exists(dir / "r.h5.tmp"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("r.h5.tmp"), std::string::npos) << lines[0];
  RemoveStaleTemporary(dir / "r.h5", [&](const std::string& m) { lines.push_back(m); });
  EXPECT_EQ(lines.size(), 1u);  // nothing to remove, nothing said
}

}  // namespace
}  // namespace pcmsim::io
