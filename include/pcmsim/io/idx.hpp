// IDX files (the MNIST container format), raw or gzip-compressed, and the labelled image
// dataset built from an images file plus a labels file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pcmsim/core/dataset.hpp"
#include "pcmsim/core/types.hpp"

namespace pcmsim::io {

// One IDX tensor of unsigned bytes (type code 0x08), the only type MNIST-like sets use.
struct IdxArray {
  std::vector<std::uint32_t> dims;  // e.g. {10000, 28, 28}
  std::vector<std::uint8_t> data;   // row-major, size = product of dims
};

// Reads an IDX file; gzip is detected from the content (magic 1f 8b), not the name.
// IoError names the file and the reason: unreadable, bad magic, unsupported type,
// truncated data, trailing bytes.
IdxArray ReadIdx(const std::filesystem::path& path);

// Parses the (already decompressed) bytes of an IDX file; `source` names it in messages.
// ReadIdx is ReadAll + ParseIdx; the fuzz harness calls this directly on its input.
IdxArray ParseIdx(std::span<const std::uint8_t> bytes, std::string_view source);

// Only the dimensions of an IDX file (reads the header, not the data). Same errors.
std::vector<std::uint32_t> ReadIdxDims(const std::filesystem::path& path);

// The shape of one sample of an images IDX with dimensions `dims` (N first): N x rows x
// cols -> 1 x rows x cols; N x channels x rows x cols -> channels x rows x cols; N x
// features -> features x 1 x 1.
TensorShape IdxSampleShape(const std::vector<std::uint32_t>& dims);

// Images scaled to [0, 1] as features x samples (one image per column), with labels.
using Dataset = pcmsim::Dataset;  // core/dataset.hpp (the trainer's type, filled here)

// Loads an images IDX (N x rows x cols, or N x features) and a labels IDX (N). IoError if
// counts differ; `limit` > 0 keeps only the first `limit` samples.
Dataset LoadIdxDataset(const std::filesystem::path& images, const std::filesystem::path& labels,
                       Index limit = 0);

}  // namespace pcmsim::io
