// Regression tests for inputs found by the fuzz harnesses (fuzz/) or while writing them;
// the inputs live in tests/data/fuzz/ (README there lists what each one did).
#include "pcmsim/core/error.hpp"
#include "pcmsim/io/h5.hpp"
#include "pcmsim/io/h5_json.hpp"
#include "pcmsim/io/idx.hpp"
#include "test_util.hpp"

namespace pcmsim::io {
namespace {

std::filesystem::path FuzzInput(const char* name) { return testing::SourceDir() / "tests" / "data" / "fuzz" / name; }

// Four dims of 65536 multiply to 2^64, which wrapped to 0 = the bytes present.
TEST(IdxFuzzTest, DimensionProductOverflowIsRefused) {
  PCMSIM_EXPECT_THROW_MSG(ReadIdx(FuzzInput("idx_dims_wrap_2p64.idx")), IoError, "idx_dims_wrap_2p64.idx",
                          "truncated", "65536 x 65536 x 65536 x 65536");
}

// The buffer entry point reads the same as the file reader.
TEST(IdxFuzzTest, ParseIdxMatchesReadIdx) {
  const std::vector<std::uint8_t> bytes = {0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6};
  const auto dir = testing::TempDir();
  testing::WriteFile(dir / "a.idx", std::string(bytes.begin(), bytes.end()));
  const IdxArray a = ParseIdx(bytes, "buffer");
  const IdxArray b = ReadIdx(dir / "a.idx");
  EXPECT_EQ(a.dims, (std::vector<std::uint32_t>{2, 3}));
  EXPECT_EQ(a.dims, b.dims);
  EXPECT_EQ(a.data, b.data);
  PCMSIM_EXPECT_THROW_MSG(ParseIdx(std::span<const std::uint8_t>(bytes.data(), 10), "buffer"), IoError, "buffer",
                          "truncated IDX header");
}

// Attributes and datasets read as one value (numbers, strings) that hold arrays: H5Aread
// wrote all elements into one double (stack overflow under ASan, found by fuzz_result_h5)
// or one string's buffer. Now an IoError naming the file, the object and the count.
TEST(H5FuzzTest, ArrayWhereOneValueIsReadIsRefused) {
  const H5Reader in(FuzzInput("h5_array_attributes.h5"));
  PCMSIM_EXPECT_THROW_MSG(in.AttrDouble("/summary", "test_accuracy"), IoError, "h5_array_attributes.h5",
                          "/summary@test_accuracy", "holds 8 values");
  PCMSIM_EXPECT_THROW_MSG(in.AttrString("/summary", "test_accuracy"), IoError, "holds 8 values");
  PCMSIM_EXPECT_THROW_MSG(in.AttrString("/summary", "experiment"), IoError, "/summary@experiment", "holds 6 values");
  PCMSIM_EXPECT_THROW_MSG(in.AttrString("/", "kind"), IoError, "holds 3 values");
  PCMSIM_EXPECT_THROW_MSG(in.AttrInt("/", "seed"), IoError, "/@seed", "holds 5 values");
  PCMSIM_EXPECT_THROW_MSG(in.ReadString("/config"), IoError, "dataset /config", "holds 2 values");
  PCMSIM_EXPECT_THROW_MSG(AttributesToJson(in, "/summary"), IoError, "holds");
}

// Datasets whose header claims terabytes that the file does not store: reading them threw
// std::bad_alloc ("unexpected error" for the user) or exhausted memory (found by
// fuzz_result_h5 on raw bytes). Now an IoError naming the dataset and both sizes.
TEST(H5FuzzTest, ShapeNotBackedByStoredBytesIsRefused) {
  const H5Reader in(FuzzInput("h5_huge_claimed_shape.h5"));
  PCMSIM_EXPECT_THROW_MSG(in.ReadVector("/metrics/epoch"), IoError, "h5_huge_claimed_shape.h5", "/metrics/epoch",
                          "claims 1099511627776 elements");
  PCMSIM_EXPECT_THROW_MSG(in.ReadMatrix("/model/layer_0/weights"), IoError, "/model/layer_0/weights", "claims");
  PCMSIM_EXPECT_THROW_MSG(in.ReadStrings("/energy/assumptions"), IoError, "/energy/assumptions", "claims");
  PCMSIM_EXPECT_THROW_MSG(in.Verify(), IoError, "h5_huge_claimed_shape.h5", "claims");  // report/resume read all
}

// /summary/loop and /summary/loop2 are hard links to /summary: GroupToJson (report) never
// returned (found by fuzz_result_h5 as a timeout). Now an IoError that names the cycle.
TEST(H5FuzzTest, LinkCycleBelowSummaryIsRefused) {
  const H5Reader in(FuzzInput("h5_summary_link_cycle.h5"));
  PCMSIM_EXPECT_THROW_MSG(GroupToJson(in, "/summary"), IoError, "h5_summary_link_cycle.h5", "a link cycle?");
  EXPECT_EQ(AttributesToJson(in, "/summary")["test_accuracy"], 0.5);  // the attributes alone still read
}

// The same file through the checksum walk (Verify, behind --resume, init_from, report):
// it recursed until the stack ran out (a fuzz_result_h5 smoke-run timeout). Now an IoError.
TEST(H5FuzzTest, LinkCycleStopsTheVerifyWalk) {
  const H5Reader in(FuzzInput("h5_summary_link_cycle.h5"));
  PCMSIM_EXPECT_THROW_MSG(in.Verify(), IoError, "h5_summary_link_cycle.h5", "a link cycle?");
}

// What pcmsim writes itself still reads back (the checks above must not refuse it).
TEST(H5FuzzTest, OwnFilesPassTheSizeChecks) {
  const auto dir = testing::TempDir();
  {
    H5Writer w(dir / "own.h5");
    w.WriteVector("/v", std::vector<double>(100000, 0.5));
    w.WriteMatrix("/m", MatrixD(MatrixD::Constant(300, 200, 2.0)));
    w.WriteStrings("/s", {"a", "bc", ""});
    w.WriteString("/config", std::string(100000, 'x'));
    w.WriteAttr("/", "seed", std::int64_t{7});
    w.Commit();
  }
  const H5Reader in(dir / "own.h5");
  EXPECT_EQ(in.ReadVector("/v").size(), 100000u);
  EXPECT_EQ(in.ReadMatrix("/m").sum(), 120000.0);
  EXPECT_EQ(in.ReadStrings("/s"), (std::vector<std::string>{"a", "bc", ""}));
  EXPECT_EQ(in.ReadString("/config").size(), 100000u);
  EXPECT_EQ(in.AttrInt("/", "seed"), 7);
}

}  // namespace
}  // namespace pcmsim::io
