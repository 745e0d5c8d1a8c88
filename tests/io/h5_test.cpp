// HDF5 round trips, the tmp-then-rename commit, and the generic JSON view.
#include "pcmsim/io/h5.hpp"

#include <hdf5.h>

#include <fstream>
#include <iterator>

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

// Flips `n` bytes of `path` starting at `offset`.
void FlipBytes(const std::filesystem::path& path, std::uint64_t offset, int n) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  std::string b(static_cast<size_t>(n), '\0');
  f.read(b.data(), n);
  for (char& c : b) c = static_cast<char>(~c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(b.data(), n);
}

// Regression: 64 flipped bytes inside a checkpoint's weights went unnoticed (resume ran on
// with them). Large datasets carry Fletcher-32, small ones sit in checksummed headers.
TEST(H5Test, CorruptedBytesAreFoundAndNamed) {
  const auto path = testing::TempDir() / "c.h5";
  Matrix big = Matrix::Constant(100, 100, 0.25f);  // 40 kB: chunked + Fletcher-32
  std::vector<double> small(8, 1234.5678);         // 64 B: compact
  {
    H5Writer w(path);
    w.WriteMatrix("/model/layer_1/weights", big);
    w.WriteVector("/small", small);
    w.WriteString("/config", "lr = 0.1");
    w.Commit();
  }
  EXPECT_NO_THROW(H5Reader(path).Verify());
  // Byte offset of the chunk, from HDF5 itself.
  haddr_t chunk = 0;
  {
    hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "/model/layer_1/weights", H5P_DEFAULT);
    hsize_t size = 0;
    unsigned mask = 0;
    hid_t space = H5Dget_space(d);
    ASSERT_GE(H5Dget_chunk_info(d, space, 0, nullptr, &mask, &chunk, &size), 0);
    H5Sclose(space);
    EXPECT_EQ(size, 40004u);  // the data and its 4-byte Fletcher-32 checksum
    H5Dclose(d);
    H5Fclose(f);
  }
  const auto copy = path.parent_path() / "copy.h5";
  std::filesystem::copy_file(path, copy);
  FlipBytes(path, chunk + 20000, 64);
  H5Reader r(path);
  PCMSIM_EXPECT_THROW_MSG(r.ReadMatrix("/model/layer_1/weights"), IoError, "c.h5", "/model/layer_1/weights",
                          "checksum mismatch");
  PCMSIM_EXPECT_THROW_MSG(r.Verify(), IoError, "c.h5", "/model/layer_1/weights", "checksum mismatch");
  EXPECT_EQ(r.ReadVector("/small"), small);  // the rest stays readable
  // A compact dataset: its bytes are in the object header, whose checksum fails.
  std::ifstream in(copy, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  double v = 1234.5678;
  const size_t at = bytes.find(std::string(reinterpret_cast<const char*>(&v), sizeof(v)));
  ASSERT_NE(at, std::string::npos);
  FlipBytes(copy, at, 1);
  PCMSIM_EXPECT_THROW_MSG(H5Reader(copy).Verify(), IoError, "copy.h5", "checksum mismatch");
}

}  // namespace
}  // namespace pcmsim::io
