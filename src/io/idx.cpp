// IDX reading through zlib's gzread (which also reads uncompressed files transparently).
#include "pcmsim/io/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <memory>

#include "pcmsim/core/error.hpp"

namespace pcmsim::io {
namespace {

std::vector<std::uint8_t> ReadAll(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) throw IoError(StrCat(path.string(), ": no such file"));
  std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
  if (!f) throw IoError(StrCat(path.string(), ": cannot open (unreadable)"));
  std::vector<std::uint8_t> out;
  std::uint8_t buf[1 << 16];
  while (true) {
    const int n = gzread(f.get(), buf, sizeof(buf));
    if (n < 0) {
      int err = 0;
      throw IoError(StrCat(path.string(), ": read error: ", gzerror(f.get(), &err),
                           " (corrupt or truncated gzip stream?)"));
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  return out;
}

std::uint32_t BigEndian32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

std::vector<std::uint8_t> ReadHeader(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) throw IoError(StrCat(path.string(), ": no such file"));
  std::unique_ptr<gzFile_s, int (*)(gzFile)> f(gzopen(path.c_str(), "rb"), gzclose);
  if (!f) throw IoError(StrCat(path.string(), ": cannot open (unreadable)"));
  std::vector<std::uint8_t> out(4 + 4 * 4);
  const int n = gzread(f.get(), out.data(), static_cast<unsigned>(out.size()));
  out.resize(static_cast<size_t>(std::max(n, 0)));
  return out;
}

// Checks magic, type and rank; returns the rank.
int CheckHeader(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  if (bytes.size() < 4) throw IoError(StrCat(name, ": too short for an IDX header (", bytes.size(), " bytes)"));
  if (bytes[0] != 0 || bytes[1] != 0) {
    throw IoError(StrCat(name, ": bad IDX magic (first bytes must be 00 00; is this an IDX file?)"));
  }
  if (bytes[2] != 0x08) {
    throw IoError(StrCat(name, ": IDX element type 0x", std::hex, int{bytes[2]},
                         " not supported (only unsigned bytes, 0x08)"));
  }
  const int rank = bytes[3];
  if (rank < 1 || rank > 4) throw IoError(StrCat(name, ": IDX rank ", rank, " not supported (1 to 4)"));
  if (bytes.size() < 4 + 4 * static_cast<size_t>(rank)) throw IoError(StrCat(name, ": truncated IDX header"));
  return rank;
}

}  // namespace

std::vector<std::uint32_t> ReadIdxDims(const std::filesystem::path& path) {
  const std::vector<std::uint8_t> bytes = ReadHeader(path);
  const int rank = CheckHeader(bytes, path.string());
  std::vector<std::uint32_t> dims;
  for (int d = 0; d < rank; ++d) dims.push_back(BigEndian32(&bytes[4 + 4 * static_cast<size_t>(d)]));
  return dims;
}

TensorShape IdxSampleShape(const std::vector<std::uint32_t>& dims) {
  TensorShape s;
  if (dims.size() == 2) s.channels = dims[1];
  if (dims.size() == 3) s = {1, dims[1], dims[2]};
  if (dims.size() == 4) s = {dims[1], dims[2], dims[3]};
  return s;
}

IdxArray ReadIdx(const std::filesystem::path& path) {
  const std::vector<std::uint8_t> bytes = ReadAll(path);
  const std::string name = path.string();
  if (bytes.size() < 4) throw IoError(StrCat(name, ": too short for an IDX header (", bytes.size(), " bytes)"));
  if (bytes[0] != 0 || bytes[1] != 0) {
    throw IoError(StrCat(name, ": bad IDX magic (first bytes must be 00 00; is this an IDX file?)"));
  }
  if (bytes[2] != 0x08) {
    throw IoError(StrCat(name, ": IDX element type 0x", std::hex, int{bytes[2]},
                         " not supported (only unsigned bytes, 0x08)"));
  }
  const int rank = bytes[3];
  if (rank < 1 || rank > 4) throw IoError(StrCat(name, ": IDX rank ", rank, " not supported (1 to 4)"));
  const size_t header = 4 + 4 * static_cast<size_t>(rank);
  if (bytes.size() < header) throw IoError(StrCat(name, ": truncated IDX header"));
  IdxArray a;
  size_t count = 1;
  for (int d = 0; d < rank; ++d) {
    a.dims.push_back(BigEndian32(&bytes[4 + 4 * static_cast<size_t>(d)]));
    count *= a.dims.back();
  }
  const size_t have = bytes.size() - header;
  if (have < count) {
    throw IoError(StrCat(name, ": truncated data: header promises ", count, " bytes, file has ", have));
  }
  if (have > count) throw IoError(StrCat(name, ": ", have - count, " trailing bytes after the data"));
  a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return a;
}

Dataset LoadIdxDataset(const std::filesystem::path& images, const std::filesystem::path& labels, Index limit) {
  const IdxArray img = ReadIdx(images);
  const IdxArray lab = ReadIdx(labels);
  if (img.dims.size() < 2) throw IoError(StrCat(images.string(), ": an images file needs rank >= 2"));
  if (lab.dims.size() != 1) throw IoError(StrCat(labels.string(), ": a labels file must have rank 1"));
  if (img.dims[0] != lab.dims[0]) {
    throw IoError(StrCat(images.string(), " has ", img.dims[0], " images but ", labels.string(), " has ",
                         lab.dims[0], " labels"));
  }
  Index n = img.dims[0];
  if (limit > 0) n = std::min(n, limit);
  const Index features = static_cast<Index>(img.data.size() / img.dims[0]);
  Dataset ds;
  ds.name = images.filename().string();
  ds.shape = IdxSampleShape(img.dims);
  if (ds.shape.Size() != features) ds.shape = {features, 1, 1};
  ds.x.resize(features, n);
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < features; ++i)
      ds.x(i, j) = static_cast<float>(img.data[static_cast<size_t>(j * features + i)]) / 255.0f;
  ds.labels.assign(lab.data.begin(), lab.data.begin() + n);
  ds.classes = 1 + *std::max_element(ds.labels.begin(), ds.labels.end());
  return ds;
}

}  // namespace pcmsim::io
