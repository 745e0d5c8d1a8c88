// A small RAII layer over the HDF5 C API: groups, attributes and 1-D/2-D datasets of
// numbers and strings. Files are written to "NAME.tmp" and renamed on Commit(), so an
// interrupted run never leaves a truncated result. Everything written is checksummed
// (1.8 file format: checksummed metadata; small datasets compact, larger ones chunked
// with Fletcher-32; strings with a CRC-32 attribute) and verified when read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "pcmsim/core/types.hpp"

namespace pcmsim::io {

// Write side. Paths are slash-separated ("metrics/test_accuracy"); parent groups are
// created as needed. Numbers are stored as float64 unless the method says otherwise.
class H5Writer {
 public:
  // Opens `path` + ".tmp" for writing (parent folders created). IoError on failure.
  explicit H5Writer(const std::filesystem::path& path);
  H5Writer(const H5Writer&) = delete;
  H5Writer& operator=(const H5Writer&) = delete;
  ~H5Writer();  // without Commit(): closes and deletes the temporary file

  void CreateGroup(std::string_view group);
  void WriteAttr(std::string_view object, std::string_view name, std::string_view value);
  void WriteAttr(std::string_view object, std::string_view name, double value);
  void WriteAttr(std::string_view object, std::string_view name, std::int64_t value);
  void WriteString(std::string_view dataset, std::string_view text);
  void WriteVector(std::string_view dataset, const std::vector<double>& values);
  void WriteVector(std::string_view dataset, const std::vector<std::int64_t>& values);
  void WriteStrings(std::string_view dataset, const std::vector<std::string>& values);
  // Row-major on disk (rows x cols as numpy shows it), from an Eigen matrix.
  void WriteMatrix(std::string_view dataset, const MatrixD& m);
  void WriteMatrix(std::string_view dataset, const Matrix& m);  // stored as float32

  // Flushes, closes and renames NAME.tmp to NAME (replacing an older NAME).
  void Commit();
  const std::filesystem::path& Path() const { return path_; }

 private:
  std::filesystem::path path_, tmp_;
  std::int64_t file_ = -1;
  bool committed_ = false;
};

// What an attribute or dataset holds.
enum class H5Kind { kString, kInteger, kFloat, kOther };

// Read side, for `pcmsim report`, `compare`, resuming and starting from earlier weights.
class H5Reader {
 public:
  explicit H5Reader(const std::filesystem::path& path);  // IoError names the file
  H5Reader(const H5Reader&) = delete;
  H5Reader& operator=(const H5Reader&) = delete;
  ~H5Reader();

  bool Exists(std::string_view object) const;
  bool IsGroup(std::string_view object) const;
  H5Kind AttrKind(std::string_view object, std::string_view name) const;
  H5Kind DatasetKind(std::string_view dataset) const;
  // True for a single string written by H5Writer::WriteString (scalar, fixed length).
  bool IsScalarString(std::string_view dataset) const;
  std::int64_t AttrInt(std::string_view object, std::string_view name) const;
  std::vector<std::string> Children(std::string_view group) const;
  std::vector<std::string> AttrNames(std::string_view object) const;
  bool HasAttr(std::string_view object, std::string_view name) const;
  std::string AttrString(std::string_view object, std::string_view name) const;
  double AttrDouble(std::string_view object, std::string_view name) const;
  std::string ReadString(std::string_view dataset) const;
  std::vector<double> ReadVector(std::string_view dataset) const;
  std::vector<std::string> ReadStrings(std::string_view dataset) const;
  MatrixD ReadMatrix(std::string_view dataset) const;
  // Every dataset's path ("/a/b"), in name order.
  std::vector<std::string> Datasets() const;
  // Reads every dataset, so that HDF5 verifies each checksum (Fletcher-32 on chunked
  // data, object-header checksums on compact data and attributes, "crc32" on strings).
  // IoError naming the file and the dataset on corruption.
  void Verify() const;
  const std::filesystem::path& Path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::int64_t file_ = -1;
};

}  // namespace pcmsim::io
