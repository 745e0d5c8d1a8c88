// Safety checks on the files a command is about to write (`-o`): never replace something
// that is not a pcmsim result, never an input of the same run, and find an unwritable
// place before the work starts rather than after it.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace pcmsim::io {

// True if `path` is a regular HDF5 file whose root carries pcmsim's provenance
// (schema_version and kind attributes, experiment::WriteProvenance).
bool IsPcmsimFile(const std::filesystem::path& path);

// Throws IoError (naming the file and the reason) unless `output` may be written: it does
// not exist or is a pcmsim HDF5 file, it is none of `inputs` (same file, also through
// links), and its folder can be created and written (probed with OUTPUT.tmp).
void CheckOutputFile(const std::filesystem::path& output, const std::vector<std::filesystem::path>& inputs);

// Removes OUTPUT.tmp left behind by a killed writer (HDF5 files are written to NAME.tmp and
// renamed when complete); `log` (may be empty) gets one line per removed file.
void RemoveStaleTemporary(const std::filesystem::path& output, const std::function<void(const std::string&)>& log);

}  // namespace pcmsim::io
