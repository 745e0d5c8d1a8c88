// Helpers shared by the tests: paths into the source tree and temporary folders.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <unistd.h>
#include <fstream>
#include <string>

#include "pcmsim/core/parallel.hpp"
#include "pcmsim/core/random.hpp"
#include "pcmsim/core/types.hpp"

namespace pcmsim::testing {

inline std::filesystem::path SourceDir() {
  const char* env = std::getenv("PCMSIM_SOURCE_DIR");
  return env ? std::filesystem::path(env) : std::filesystem::current_path();
}

inline std::filesystem::path MnistDir() { return SourceDir() / "data" / "mnist"; }

// A fresh folder under the system temp dir, named after the running test.
inline std::filesystem::path TempDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  // The process id keeps concurrent test processes (two checkouts, ctest -j) apart.
  auto dir = std::filesystem::temp_directory_path() /
             (std::string("pcmsim_") + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" + info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline void WriteFile(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out << bytes;
}

// EXPECT that `statement` throws ExceptionType whose message contains every given piece.
#define PCMSIM_EXPECT_THROW_MSG(statement, ExceptionType, ...)                         \
  do {                                                                                 \
    try {                                                                              \
      statement;                                                                       \
      ADD_FAILURE() << "expected " #ExceptionType " from " #statement;                 \
    } catch (const ExceptionType& pcmsim_error_) {                                     \
      const std::string pcmsim_msg_ = pcmsim_error_.what();                            \
      for (const char* pcmsim_piece_ : {__VA_ARGS__})                                  \
        EXPECT_NE(pcmsim_msg_.find(pcmsim_piece_), std::string::npos)                  \
            << "message lacks '" << pcmsim_piece_ << "': " << pcmsim_msg_;             \
    }                                                                                  \
  } while (0)

// Entries uniform in [-1, 1) from Rng(seed), column by column.
inline Matrix UniformMatrix(Index rows, Index cols, std::uint64_t seed) {
  Rng rng(seed);
  Matrix m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(rng.Uniform() * 2 - 1);
  return m;
}

// Same shape and the same bits in every entry (NaNs compare by their bits too).
inline bool SameBits(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.size())) == 0;
}

// Puts the thread count back to its default (0: all cores) when the test leaves its scope.
struct ThreadGuard {
  ThreadGuard() = default;
  ThreadGuard(const ThreadGuard&) = delete;
  ThreadGuard& operator=(const ThreadGuard&) = delete;
  ~ThreadGuard() { SetNumThreads(0); }
};

}  // namespace pcmsim::testing
