// -o safety: what may be overwritten, and probing the output folder before a run.
#include "pcmsim/io/output_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "pcmsim/core/error.hpp"
#include "pcmsim/io/h5.hpp"

namespace pcmsim::io {

bool IsPcmsimFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  try {
    const io::H5Reader in(path);
    return in.HasAttr("/", "schema_version") && in.HasAttr("/", "kind");
  } catch (const Error&) {
    return false;
  }
}

void CheckOutputFile(const std::filesystem::path& output, const std::vector<std::filesystem::path>& inputs) {
  namespace fs = std::filesystem;
  const std::string name = output.string();
  std::error_code ec;
  const fs::file_status st = fs::status(output, ec);
  if (fs::exists(st)) {
    for (const fs::path& in : inputs) {
      if (!in.empty() && fs::equivalent(output, in, ec)) {
        throw IoError(StrCat(name, ": is an input of this run (", in.string(), "); refusing to overwrite it"));
      }
    }
    if (fs::is_directory(st)) throw IoError(StrCat(name, ": is a directory; give a file name for the output"));
    if (!fs::is_regular_file(st)) {
      throw IoError(StrCat(name, ": is not a regular file (a device, pipe or socket); refusing to overwrite it"));
    }
    if (!IsPcmsimFile(output)) {
      throw IoError(StrCat(name, ": exists and is not a pcmsim result file; refusing to overwrite it "
                                 "(choose another output or remove it)"));
    }
  }
  // Probe: the folder must exist (or be creatable) and take a new file.
  if (output.has_parent_path()) {
    fs::create_directories(output.parent_path(), ec);
    if (ec && !fs::is_directory(output.parent_path())) {
      throw IoError(StrCat(name, ": cannot create its folder ", output.parent_path().string(), ": ", ec.message()));
    }
  }
  const std::string probe = name + ".tmp";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) {
    const int err = errno;
    if (err != EEXIST) throw IoError(StrCat(name, ": cannot write here: ", std::strerror(err)));
  } else {
    ::close(fd);
    ::unlink(probe.c_str());
  }
}

void RemoveStaleTemporary(const std::filesystem::path& output, const std::function<void(const std::string&)>& log) {
  const std::filesystem::path tmp = output.string() + ".tmp";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(tmp, ec)) return;
  if (std::filesystem::remove(tmp, ec) && log) {
    log(StrCat("removed ", tmp.string(), ", the unfinished temporary of an interrupted run"));
  }
}

}  // namespace pcmsim::io
