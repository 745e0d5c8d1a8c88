// IDX reader: ParseIdx on the raw input (memory buffer), ReadIdx through a file when the
// input is gzip (zlib path), and LoadIdxDataset with the input as the images file.
// Properties checked beyond "no crash": a parsed array holds exactly prod(dims) bytes,
// and a dataset has one label per column and classes = max label + 1.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "fuzz_util.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/io/idx.hpp"

using namespace pcmsim;

namespace {

void CheckArray(const io::IdxArray& a) {
  unsigned __int128 count = 1;  // 4 dims of 32 bits cannot overflow 128 bits
  for (std::uint32_t d : a.dims) count *= d;
  if (count != a.data.size()) std::abort();
}

std::string LabelsFor(const io::IdxArray& images) {
  // A labels file with one label per image, the label values taken from the image bytes.
  const std::uint32_t n = images.dims[0];
  std::string f = {0, 0, 8, 1, static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                   static_cast<char>(n)};
  for (std::uint32_t i = 0; i < n; ++i) f += static_cast<char>(images.data.empty() ? i : images.data[i % images.data.size()]);
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  io::IdxArray parsed;
  bool ok = false;
  try {
    parsed = io::ParseIdx(std::span<const std::uint8_t>(data, size), "fuzz.idx");
    CheckArray(parsed);
    ok = true;
  } catch (const Error&) {
  }
  const std::filesystem::path images = fuzz::Scratch() / "images.idx";
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
    fuzz::WriteFile(images, input);
    try {
      CheckArray(io::ReadIdx(images));
    } catch (const Error&) {
    }
  }
  // The dataset loader on top. Label files are bounded by the input (dims[0] <= 2^20).
  // (0 images was issue 12's defect 1, a SIGFPE this harness found in its first minute.)
  if (ok && parsed.dims.size() >= 2 && parsed.dims[0] <= (1u << 20)) {
    fuzz::WriteFile(images, input);
    const std::filesystem::path labels = fuzz::Scratch() / "labels.idx";
    fuzz::WriteFile(labels, LabelsFor(parsed));
    const Index limit = size > 0 ? data[size - 1] % 4 : 0;
    try {
      const io::Dataset ds = io::LoadIdxDataset(images, labels, limit);
      if (static_cast<size_t>(ds.Samples()) != ds.labels.size()) std::abort();
      for (std::uint8_t l : ds.labels)
        if (l >= ds.classes) std::abort();
    } catch (const Error&) {
    }
  }
  return 0;
}
