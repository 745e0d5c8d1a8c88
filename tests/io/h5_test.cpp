// HDF5 round trips, the tmp-then-rename commit, and the generic JSON view.
#include "pcmsim/io/h5.hpp"

#include "pcmsim/core/error.hpp"
#include "pcmsim/io/h5_json.hpp"
#include "test_util.hpp"

namespace pcmsim::io {
namespace {

TEST(H5Test, RoundTripAndJson) {
  const auto path = testing::TempDir() / "r.h5";
  {
    H5Writer w(path);
    w.WriteAttr("/", "kind", "test");
    w.WriteAttr("/summary", "test_accuracy", 0.965);
    w.WriteAttr("/summary", "epochs", std::int64_t{30});
    w.WriteVector("/summary/acc/time_s", std::vector<double>{1, 3600});
    w.WriteString("/config", "[a]\nx = 1\n");
    MatrixD m(2, 3);
    m << 1, 2, 3, 4, 5, 6;
    w.WriteMatrix("/model/w", m);
    w.WriteStrings("/names", {"a", "bc"});
    EXPECT_FALSE(std::filesystem::exists(path)) << "result visible before Commit()";
    w.Commit();
  }
  H5Reader r(path);
  EXPECT_EQ(r.AttrString("/", "kind"), "test");
  EXPECT_DOUBLE_EQ(r.AttrDouble("/summary", "test_accuracy"), 0.965);
  EXPECT_EQ(r.ReadString("/config"), "[a]\nx = 1\n");
  const MatrixD m = r.ReadMatrix("/model/w");
  EXPECT_EQ(m.rows(), 2);
  EXPECT_EQ(m(1, 2), 6);
  EXPECT_EQ(r.ReadStrings("/names"), (std::vector<std::string>{"a", "bc"}));
  const auto j = GroupToJson(r, "/summary");
  EXPECT_EQ(j["epochs"], 30);
  EXPECT_DOUBLE_EQ(j["test_accuracy"].get<double>(), 0.965);
  EXPECT_EQ(j["acc"]["time_s"][1], 3600.0);
}

TEST(H5Test, UncommittedWriterLeavesNothing) {
  const auto path = testing::TempDir() / "x.h5";
  {
    H5Writer w(path);
    w.WriteAttr("/", "a", 1.0);
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
}

TEST(H5Test, ReaderErrorsNameTheFile) {
  const auto dir = testing::TempDir();
  PCMSIM_EXPECT_THROW_MSG(H5Reader(dir / "none.h5"), IoError, "none.h5", "no such file");
  testing::WriteFile(dir / "text.h5", "not hdf5");
  PCMSIM_EXPECT_THROW_MSG(H5Reader(dir / "text.h5"), IoError, "text.h5", "not an HDF5 file");
}

}  // namespace
}  // namespace pcmsim::io
