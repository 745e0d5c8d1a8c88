// IDX reading: raw files, or gzip (one or more members) inflated with zlib, strictly.
#include "pcmsim/io/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <memory>

#include "pcmsim/core/error.hpp"

namespace pcmsim::io {
namespace {

// The whole file: gzip members decompressed (one or more, concatenated), anything else
// taken as raw bytes. Bytes after the last gzip member that do not start another member
// are an error (zlib's gzread ignores them silently).
std::vector<std::uint8_t> ReadAll(const std::filesystem::path& path) {
  const std::string name = path.string();
  if (!std::filesystem::exists(path)) throw IoError(StrCat(name, ": no such file"));
  if (std::filesystem::is_directory(path)) throw IoError(StrCat(name, ": is a directory, not an IDX file"));
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw IoError(StrCat(name, ": cannot open (unreadable)"));
  std::vector<std::uint8_t> raw(static_cast<size_t>(in.tellg()));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size()))) {
    throw IoError(StrCat(name, ": read error"));
  }
  if (raw.size() < 2 || raw[0] != 0x1f || raw[1] != 0x8b) return raw;
  std::vector<std::uint8_t> out;
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw IoError(StrCat(name, ": zlib initialisation failed"));
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, inflateEnd);
  z.next_in = raw.data();
  z.avail_in = static_cast<uInt>(std::min<size_t>(raw.size(), std::numeric_limits<uInt>::max()));
  std::uint8_t buf[1 << 16];
  while (true) {
    z.next_out = buf;
    z.avail_out = sizeof(buf);
    const int rc = inflate(&z, Z_NO_FLUSH);
    out.insert(out.end(), buf, buf + (sizeof(buf) - z.avail_out));
    if (rc == Z_STREAM_END) {
      const size_t pos = static_cast<size_t>(z.next_in - raw.data());
      const size_t left = raw.size() - pos;
      if (left == 0) break;
      if (left >= 2 && raw[pos] == 0x1f && raw[pos + 1] == 0x8b) {  // another member
        inflateReset(&z);
        continue;
      }
      throw IoError(StrCat(name, ": ", left, " trailing bytes after the gzip data (corrupt or appended file?)"));
    }
    if (rc == Z_BUF_ERROR && z.avail_in == 0) {
      const size_t pos = static_cast<size_t>(z.next_in - raw.data());
      if (pos >= raw.size()) throw IoError(StrCat(name, ": truncated gzip stream"));
      z.avail_in = static_cast<uInt>(std::min<size_t>(raw.size() - pos, std::numeric_limits<uInt>::max()));
      continue;
    }
    if (rc != Z_OK) {
      throw IoError(StrCat(name, ": read error: ", z.msg ? z.msg : "invalid gzip data",
                           " (corrupt or truncated gzip stream?)"));
    }
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
int CheckHeader(std::span<const std::uint8_t> bytes, const std::string& name) {
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

IdxArray ParseIdx(std::span<const std::uint8_t> bytes, std::string_view source) {
  const std::string name(source);
  const int rank = CheckHeader(bytes, name);
  const size_t header = 4 + 4 * static_cast<size_t>(rank);
  IdxArray a;
  const size_t have = bytes.size() - header;
  // The product of the dimensions is checked against the bytes present as it grows, so a
  // header whose dimensions multiply past 2^64 (and wrap to the file's size) is refused.
  size_t count = 1;
  bool overflow = false;
  for (int d = 0; d < rank; ++d) {
    a.dims.push_back(BigEndian32(&bytes[4 + 4 * static_cast<size_t>(d)]));
    const size_t dim = a.dims.back();
    if (dim != 0 && count > std::numeric_limits<size_t>::max() / dim) overflow = true;
    count *= dim;
  }
  if (overflow) {
    std::string shape;
    for (std::uint32_t dim : a.dims) shape += StrCat(shape.empty() ? "" : " x ", dim);
    throw IoError(StrCat(name, ": truncated data: header promises ", shape, " bytes (more than 2^64), file has ",
                         have));
  }
  if (have < count) {
    throw IoError(StrCat(name, ": truncated data: header promises ", count, " bytes, file has ", have));
  }
  if (have > count) throw IoError(StrCat(name, ": ", have - count, " trailing bytes after the data"));
  a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return a;
}

IdxArray ReadIdx(const std::filesystem::path& path) { return ParseIdx(ReadAll(path), path.string()); }

Dataset LoadIdxDataset(const std::filesystem::path& images, const std::filesystem::path& labels, Index limit) {
  const IdxArray img = ReadIdx(images);
  const IdxArray lab = ReadIdx(labels);
  if (img.dims.size() < 2) throw IoError(StrCat(images.string(), ": an images file needs rank >= 2"));
  if (lab.dims.size() != 1) throw IoError(StrCat(labels.string(), ": a labels file must have rank 1"));
  if (img.dims[0] != lab.dims[0]) {
    throw IoError(StrCat(images.string(), " has ", img.dims[0], " images but ", labels.string(), " has ",
                         lab.dims[0], " labels"));
  }
  if (img.dims[0] == 0) {
    throw IoError(StrCat(images.string(), ": holds 0 images (an empty dataset cannot be trained on or evaluated)"));
  }
  const Index features = static_cast<Index>(img.data.size() / img.dims[0]);
  if (features == 0) throw IoError(StrCat(images.string(), ": images have 0 pixels (a dimension is 0)"));
  Index n = img.dims[0];
  if (limit > 0) n = std::min(n, limit);
  Dataset ds;
  ds.name = images.filename().string();
  ds.shape = IdxSampleShape(img.dims);
  if (ds.shape.Size() != features) ds.shape = {features, 1, 1};
  ds.labels_name = labels.string();
  ds.x.resize(features, n);
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < features; ++i)
      ds.x(i, j) = static_cast<float>(img.data[static_cast<size_t>(j * features + i)]) / 255.0f;
  ds.labels.assign(lab.data.begin(), lab.data.begin() + n);
  ds.classes = 1 + *std::max_element(ds.labels.begin(), ds.labels.end());
  return ds;
}

}  // namespace pcmsim::io
