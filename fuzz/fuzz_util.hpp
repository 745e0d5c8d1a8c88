// Shared helpers of the libFuzzer harnesses: a private scratch folder laid out like the
// repository (so relative paths in experiments resolve), file writing, and the split of
// an input into a TOML document and `--set` lines.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace pcmsim::fuzz {

// A folder that lives as long as the process: TMPDIR/pcmsim_fuzz_<pid>_XXXXXX with
//   data/ devices/       -> symlinks to the repository's folders
//   experiments/*.toml   -> symlinks to the shipped experiments (sweep bases)
// Harness inputs are written next to them, so "../data/..." and "base = ..." resolve.
inline const std::filesystem::path& Scratch() {
  static const std::filesystem::path dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/pcmsim_fuzz_" + std::to_string(getpid()) + "_XXXXXX";
    if (mkdtemp(templ.data()) == nullptr) std::abort();
    const std::filesystem::path d(templ);
    const std::filesystem::path src(PCMSIM_SOURCE_DIR);
    std::filesystem::create_directory_symlink(src / "data", d / "data");
    std::filesystem::create_directory_symlink(src / "devices", d / "devices");
    std::filesystem::create_directory(d / "experiments");
    for (const auto& e : std::filesystem::directory_iterator(src / "experiments")) {
      if (e.path().extension() == ".toml") std::filesystem::create_symlink(e.path(), d / "experiments" / e.path().filename());
    }
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(Scratch(), ec);
    });
    return d;
  }();
  return dir;
}

inline void WriteFile(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) std::abort();  // the scratch folder must be writable: not a finding
}

// An input is "TOML text", optionally followed by a line "%%" and then one `--set`
// string per line (empty lines skipped), as `pcmsim run --set` would receive them.
struct TomlWithSets {
  std::string toml;
  std::vector<std::string> sets;
};

inline TomlWithSets SplitSets(const std::uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  TomlWithSets r;
  std::string_view rest;
  if (in.rfind("%%\n", 0) == 0) {
    rest = in.substr(3);
  } else if (const size_t sep = in.find("\n%%\n"); sep != std::string_view::npos) {
    r.toml = std::string(in.substr(0, sep + 1));
    rest = in.substr(sep + 4);
  } else {
    r.toml = std::string(in);
    return r;
  }
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    if (!line.empty()) r.sets.emplace_back(line);
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  return r;
}

}  // namespace pcmsim::fuzz
