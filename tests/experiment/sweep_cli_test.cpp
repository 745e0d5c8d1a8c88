// `pcmsim sweep` end to end: a sweep stopped with --max-points resumes without recomputing
// finished points, and `mpirun -n 2 pcmsim sweep` writes the serial table bit for bit.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "pcmsim/experiment/sweep.hpp"
#include "sweep_test_util.hpp"

namespace pcmsim::experiment {
namespace {

std::string ReadText(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs a shell command with stdout+stderr into `log`; returns the exit status.
int Shell(const std::string& cmd, const std::filesystem::path& log) {
  const int rc = std::system((cmd + " > '" + log.string() + "' 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string Cli() { return PCMSIM_CLI_PATH; }

TEST(SweepCliTest, MaxPointsThenRerunCompletesWithoutRecomputing) {
  const auto dir = testing::TempDir();
  const auto sweep = testing::WriteTinySweep(dir);
  const auto table = dir / "t.h5";
  const std::string cmd = Cli() + " sweep '" + sweep.string() + "' -o '" + table.string() + "'";
  ASSERT_EQ(Shell(cmd + " --max-points 1", dir / "log1"), 0) << ReadText(dir / "log1");
  EXPECT_NE(ReadText(dir / "log1").find("1/4 points done"), std::string::npos) << ReadText(dir / "log1");
  EXPECT_NE(ReadText(dir / "log1").find("incomplete"), std::string::npos);
  EXPECT_NE(ReadText(dir / "log1").find("ETA"), std::string::npos);  // progress on stderr
  const auto mtime = std::filesystem::last_write_time(PointFile(table, 0));
  ASSERT_EQ(Shell(cmd, dir / "log2"), 0) << ReadText(dir / "log2");
  EXPECT_NE(ReadText(dir / "log2").find("4/4 points done (3 computed now, 1 already there)"), std::string::npos)
      << ReadText(dir / "log2");
  EXPECT_EQ(std::filesystem::last_write_time(PointFile(table, 0)), mtime);
  // A typo in the sweep file is one clear line and a non-zero exit.
  testing::WriteTinySweep(dir, "[sweep2]\nx = 1\n");
  EXPECT_EQ(Shell(cmd, dir / "log3"), 2);
  EXPECT_NE(ReadText(dir / "log3").find("unknown key 'sweep2.x'"), std::string::npos) << ReadText(dir / "log3");
}

TEST(SweepCliTest, MpiRunWritesTheSerialTableBitForBit) {
  const std::string mpiexec = PCMSIM_MPIEXEC;
  if (mpiexec.empty())
    GTEST_SKIP() << "pcmsim built without MPI (PCMSIM_MPI=OFF or no MPI found): MPI sweep not tested";
  if (access(mpiexec.c_str(), X_OK) != 0) GTEST_SKIP() << mpiexec << " is missing: MPI sweep not tested";
  const auto dir = testing::TempDir();
  const auto sweep = testing::WriteTinySweep(dir);
  const std::string args = " sweep '" + sweep.string() + "' -o '";
  ASSERT_EQ(Shell(Cli() + args + (dir / "serial.h5").string() + "'", dir / "serial.log"), 0)
      << ReadText(dir / "serial.log");
  std::string flags = " -n 2";
  if (Shell("'" + mpiexec + "' --version", dir / "version.log") == 0 &&
      (ReadText(dir / "version.log").find("Open MPI") != std::string::npos ||
       ReadText(dir / "version.log").find("OpenRTE") != std::string::npos)) {
    flags += " --oversubscribe";
    if (geteuid() == 0) flags += " --allow-run-as-root";
  }
  // Open MPI keeps allocations past MPI_Finalize: keep LeakSanitizer (sanitizer builds) off for them.
  ASSERT_EQ(Shell("ASAN_OPTIONS=detect_leaks=0 '" + mpiexec + "'" + flags + " " + Cli() + args +
                      (dir / "mpi.h5").string() + "'",
                  dir / "mpi.log"),
            0)
      << ReadText(dir / "mpi.log");
  const std::string log = ReadText(dir / "mpi.log");
  EXPECT_NE(log.find("2 ranks"), std::string::npos) << log;
  EXPECT_NE(log.find("rank 1 point 1"), std::string::npos) << log;  // round-robin: rank 1 ran point 1
  const io::H5Reader a(dir / "serial.h5"), b(dir / "mpi.h5");
  EXPECT_EQ(a.AttrInt("/summary", "points_done"), 4);
  EXPECT_EQ(b.AttrInt("/summary", "points_done"), 4);
  EXPECT_EQ(testing::CompareGroups(a, b, "/table"), "");
}

}  // namespace
}  // namespace pcmsim::experiment
