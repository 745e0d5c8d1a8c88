// IDX reading: the shipped MNIST files, gzip and raw, and every malformed-file error.
#include "pcmsim/io/idx.hpp"

#include <zlib.h>

#include <fstream>
#include <iterator>

#include "pcmsim/core/error.hpp"
#include "test_util.hpp"

namespace pcmsim::io {
namespace {

std::string Idx(std::uint8_t type, std::vector<std::uint32_t> dims, size_t payload) {
  std::string s = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (auto d : dims)
    for (int k = 3; k >= 0; --k) s.push_back(static_cast<char>((d >> (8 * k)) & 0xFF));
  for (size_t i = 0; i < payload; ++i) s.push_back(static_cast<char>(i % 251));
  return s;
}

void WriteGz(const std::filesystem::path& p, const std::string& bytes) {
  gzFile f = gzopen(p.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

TEST(IdxTest, ShippedMnistLoads) {
  const auto d = LoadIdxDataset(testing::MnistDir() / "t10k-images-idx3-ubyte.gz",
                                testing::MnistDir() / "t10k-labels-idx1-ubyte.gz");
  EXPECT_EQ(d.Samples(), 10000);
  EXPECT_EQ(d.Features(), 784);
  EXPECT_EQ(d.classes, 10);
  EXPECT_GE(d.x.minCoeff(), 0.0f);
  EXPECT_LE(d.x.maxCoeff(), 1.0f);
  EXPECT_EQ(d.labels[0], 7);  // the first official test digit is a 7
  const auto t = LoadIdxDataset(testing::MnistDir() / "train-10k-images-idx3-ubyte.gz",
                                testing::MnistDir() / "train-10k-labels-idx1-ubyte.gz", 500);
  EXPECT_EQ(t.Samples(), 500);
}

TEST(IdxTest, RawAndGzipReadTheSame) {
  const auto dir = testing::TempDir();
  const std::string bytes = Idx(0x08, {3, 2, 2}, 12);
  testing::WriteFile(dir / "raw.idx", bytes);
  WriteGz(dir / "z.idx.gz", bytes);
  const auto a = ReadIdx(dir / "raw.idx");
  const auto b = ReadIdx(dir / "z.idx.gz");
  EXPECT_EQ(a.dims, (std::vector<std::uint32_t>{3, 2, 2}));
  EXPECT_EQ(a.data, b.data);
}

TEST(IdxTest, MalformedFilesNameFileAndReason) {
  const auto dir = testing::TempDir();
  testing::WriteFile(dir / "magic.idx", "\x01\x02\x08\x01\0\0\0\0");
  PCMSIM_EXPECT_THROW_MSG(ReadIdx(dir / "magic.idx"), IoError, "magic.idx", "magic");
  testing::WriteFile(dir / "type.idx", Idx(0x0D, {2}, 8));
  PCMSIM_EXPECT_THROW_MSG(ReadIdx(dir / "type.idx"), IoError, "type.idx", "not supported");
  testing::WriteFile(dir / "short.idx", Idx(0x08, {10, 28, 28}, 100));
  PCMSIM_EXPECT_THROW_MSG(ReadIdx(dir / "short.idx"), IoError, "short.idx", "truncated", "7840");
  testing::WriteFile(dir / "long.idx", Idx(0x08, {2}, 5));
  PCMSIM_EXPECT_THROW_MSG(ReadIdx(dir / "long.idx"), IoError, "long.idx", "trailing");
  PCMSIM_EXPECT_THROW_MSG(ReadIdx(dir / "missing.idx"), IoError, "missing.idx", "no such file");
  testing::WriteFile(dir / "tiny.idx", "\0\0");
  PCMSIM_EXPECT_THROW_MSG(ReadIdx(dir / "tiny.idx"), IoError, "tiny.idx", "too short");
}

TEST(IdxTest, CountMismatchNamesBothFiles) {
  const auto dir = testing::TempDir();
  testing::WriteFile(dir / "img.idx", Idx(0x08, {3, 2, 2}, 12));
  testing::WriteFile(dir / "lab.idx", Idx(0x08, {4}, 4));
  PCMSIM_EXPECT_THROW_MSG(LoadIdxDataset(dir / "img.idx", dir / "lab.idx"), IoError, "img.idx", "3 images",
                          "lab.idx", "4 labels");
}

// Regression: zlib's gzread accepted bytes appended after the gzip stream silently.
// Concatenated gzip members are valid gzip and still read.
TEST(IdxTest, GzipWithTrailingBytesIsAnError) {
  const auto dir = testing::TempDir();
  const std::string bytes = Idx(0x08, {3, 2, 2}, 12);
  WriteGz(dir / "z.gz", bytes);
  std::ifstream in(dir / "z.gz", std::ios::binary);
  const std::string gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  testing::WriteFile(dir / "junk.gz", gz + "JUNKJUNK");
  PCMSIM_EXPECT_THROW_MSG(ReadIdx(dir / "junk.gz"), IoError, "junk.gz", "8 trailing bytes after the gzip data");
  testing::WriteFile(dir / "cut.gz", gz.substr(0, gz.size() - 12));
  EXPECT_THROW(ReadIdx(dir / "cut.gz"), IoError);
  const std::string half1 = bytes.substr(0, 9), half2 = bytes.substr(9);
  WriteGz(dir / "a.gz", half1);
  WriteGz(dir / "b.gz", half2);
  std::ifstream a(dir / "a.gz", std::ios::binary), b(dir / "b.gz", std::ios::binary);
  const std::string ga((std::istreambuf_iterator<char>(a)), std::istreambuf_iterator<char>());
  const std::string gb((std::istreambuf_iterator<char>(b)), std::istreambuf_iterator<char>());
  testing::WriteFile(dir / "two.gz", ga + gb);
  EXPECT_EQ(ReadIdx(dir / "two.gz").data, ReadIdx(dir / "z.gz").data);
}

// Regression: an IDX file with 0 images divided by zero (SIGFPE) when computing the
// feature count; now a one-line error naming the file.
TEST(IdxTest, EmptyDatasetIsAnErrorNotACrash) {
  const auto dir = testing::TempDir();
  testing::WriteFile(dir / "img0.idx", Idx(0x08, {0, 28, 28}, 0));
  testing::WriteFile(dir / "lab0.idx", Idx(0x08, {0}, 0));
  PCMSIM_EXPECT_THROW_MSG(LoadIdxDataset(dir / "img0.idx", dir / "lab0.idx"), IoError, "img0.idx", "0 images");
  testing::WriteFile(dir / "img_flat.idx", Idx(0x08, {2, 0}, 0));
  testing::WriteFile(dir / "lab2.idx", Idx(0x08, {2}, 2));
  PCMSIM_EXPECT_THROW_MSG(LoadIdxDataset(dir / "img_flat.idx", dir / "lab2.idx"), IoError, "img_flat.idx",
                          "0 pixels");
}

}  // namespace
}  // namespace pcmsim::io
