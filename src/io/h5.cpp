// HDF5 C API behind H5Writer/H5Reader: groups created on demand, float64/float32/int64/
// string datasets, attributes, and the tmp-file-then-rename commit.
#include "pcmsim/io/h5.hpp"

#include <hdf5.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <system_error>

#include "pcmsim/core/error.hpp"

namespace pcmsim::io {
namespace {

// Owns one HDF5 identifier and closes it with the matching function.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  hid_t get() const { return id_; }
  bool ok() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

struct SilenceErrors {
  SilenceErrors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }
};
const SilenceErrors kSilence;

std::string Str(std::string_view s) { return std::string(s); }

std::string ParentOf(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos || slash == 0 ? "/" : std::string(path.substr(0, slash));
}

void EnsureGroups(hid_t file, std::string_view path) {
  std::string current;
  size_t start = path.front() == '/' ? 1 : 0;
  while (start < path.size()) {
    const size_t slash = path.find('/', start);
    current += '/';
    current += path.substr(start, slash == path.npos ? path.npos : slash - start);
    if (H5Lexists(file, current.c_str(), H5P_DEFAULT) <= 0) {
      Handle g(H5Gcreate2(file, current.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
      if (!g.ok()) throw IoError(StrCat("cannot create HDF5 group ", current));
    }
    if (slash == path.npos) break;
    start = slash + 1;
  }
}

Handle StringType(size_t size) {
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t.get(), size == 0 ? 1 : size);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  return t;
}

Handle VarStringType() {
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t.get(), H5T_VARIABLE);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  return t;
}

// The innermost HDF5 error descriptions of the failed call (empty if none), so messages
// can say "checksum mismatch" instead of a generic failure. Must run right after the
// failing call: any later HDF5 call clears the stack.
std::string LastHdf5Error() {
  std::string text;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned, const H5E_error2_t* e, void* data) -> herr_t {
        auto* t = static_cast<std::string*>(data);
        if (e->desc != nullptr && *e->desc != '\0') *t += (t->empty() ? "" : "; ") + std::string(e->desc);
        return 0;
      },
      &text);
  return text;
}

// " (checksum mismatch: the file is corrupted)" when the HDF5 error says so, else "".
std::string CorruptionHint(const std::string& hdf5_error) {
  if (hdf5_error.find("checksum") != std::string::npos || hdf5_error.find("Fletcher") != std::string::npos) {
    return " (checksum mismatch: the file is corrupted)";
  }
  return hdf5_error.empty() ? "" : " (" + hdf5_error + ")";
}

// CRC-32 of strings (each preceded by its length), stored as attribute "crc32" on string
// datasets: their bytes are not covered by the HDF5 checksums (variable-length strings
// live in the global heap).
std::int64_t StringsCrc(const std::vector<std::string_view>& values) {
  uLong crc = crc32(0L, Z_NULL, 0);
  for (std::string_view v : values) {
    const std::uint64_t n = v.size();
    crc = crc32(crc, reinterpret_cast<const Bytef*>(&n), sizeof(n));
    if (!v.empty()) crc = crc32(crc, reinterpret_cast<const Bytef*>(v.data()), static_cast<uInt>(v.size()));
  }
  return static_cast<std::int64_t>(crc);
}

// Datasets up to this size are stored compact (inside their object header, which the v2
// object-header checksum covers); larger ones in one chunk (or row blocks) with the
// Fletcher-32 filter.
constexpr hsize_t kCompactBytes = 16 * 1024;
constexpr hsize_t kMaxChunkBytes = hsize_t{1} << 30;

Handle DatasetCreationList(int rank, const hsize_t* dims, size_t element_bytes) {
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  hsize_t elements = 1;
  for (int d = 0; d < rank; ++d) elements *= dims[d];
  const hsize_t bytes = elements * element_bytes;
  if (elements == 0) return dcpl;  // nothing to protect; chunks cannot be empty
  if (bytes <= kCompactBytes) {
    H5Pset_layout(dcpl.get(), H5D_COMPACT);
    return dcpl;
  }
  hsize_t chunk[2] = {dims[0], rank > 1 ? dims[1] : 1};
  const hsize_t row_bytes = (rank > 1 ? dims[1] : 1) * element_bytes;
  if (bytes > kMaxChunkBytes) chunk[0] = std::max<hsize_t>(1, kMaxChunkBytes / row_bytes);
  H5Pset_chunk(dcpl.get(), rank, chunk);
  H5Pset_fletcher32(dcpl.get());
  return dcpl;
}

}  // namespace

// ---------------------------------------------------------------- writer

H5Writer::H5Writer(const std::filesystem::path& path) : path_(path), tmp_(path.string() + ".tmp") {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  // The 1.8 file format and later: superblock, object headers (with their attributes and
  // compact data) and group indexes carry checksums that HDF5 verifies on every read.
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST);
  file_ = H5Fcreate(tmp_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  if (file_ < 0) throw IoError(StrCat(tmp_.string(), ": cannot create HDF5 file (folder missing or not writable?)"));
}

H5Writer::~H5Writer() {
  if (file_ >= 0) H5Fclose(file_);
  if (!committed_) {
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);
  }
}

void H5Writer::CreateGroup(std::string_view group) { EnsureGroups(file_, group); }

namespace {
hid_t OpenObject(hid_t file, std::string_view object) {
  return H5Oopen(file, object.empty() ? "/" : Str(object).c_str(), H5P_DEFAULT);
}
void WriteAttrRaw(hid_t file, std::string_view object, std::string_view name, hid_t type,
                  const void* data) {
  if (object != "/" && !object.empty()) EnsureGroups(file, object);
  Handle obj(OpenObject(file, object), H5Oclose);
  if (!obj.ok()) throw IoError(StrCat("HDF5 object ", object, " does not exist"));
  if (H5Aexists(obj.get(), Str(name).c_str()) > 0) H5Adelete(obj.get(), Str(name).c_str());
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(obj.get(), Str(name).c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose);
  if (!attr.ok() || H5Awrite(attr.get(), type, data) < 0)
    throw IoError(StrCat("cannot write HDF5 attribute ", object, "@", name));
}
void WriteDataset(hid_t file, std::string_view path, hid_t mem_type, hid_t file_type, int rank,
                  const hsize_t* dims, const void* data) {
  EnsureGroups(file, ParentOf(path));
  Handle space(H5Screate_simple(rank, dims, nullptr), H5Sclose);
  if (H5Lexists(file, Str(path).c_str(), H5P_DEFAULT) > 0) H5Ldelete(file, Str(path).c_str(), H5P_DEFAULT);
  Handle dcpl = DatasetCreationList(rank, dims, H5Tis_variable_str(file_type) > 0 ? sizeof(char*) : H5Tget_size(file_type));
  Handle ds(H5Dcreate2(file, Str(path).c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
            H5Dclose);
  if (!ds.ok() || H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    throw IoError(StrCat("cannot write HDF5 dataset ", path));
}
}  // namespace

void H5Writer::WriteAttr(std::string_view object, std::string_view name, std::string_view value) {
  Handle t = StringType(value.size());
  const std::string v(value);
  WriteAttrRaw(file_, object, name, t.get(), v.c_str());
}
void H5Writer::WriteAttr(std::string_view object, std::string_view name, double value) {
  WriteAttrRaw(file_, object, name, H5T_NATIVE_DOUBLE, &value);
}
void H5Writer::WriteAttr(std::string_view object, std::string_view name, std::int64_t value) {
  WriteAttrRaw(file_, object, name, H5T_NATIVE_INT64, &value);
}

void H5Writer::WriteString(std::string_view dataset, std::string_view text) {
  Handle t = StringType(text.size());
  const std::string v(text);
  EnsureGroups(file_, ParentOf(dataset));
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  if (text.size() <= kCompactBytes) H5Pset_layout(dcpl.get(), H5D_COMPACT);
  Handle ds(H5Dcreate2(file_, Str(dataset).c_str(), t.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
            H5Dclose);
  if (!ds.ok() || H5Dwrite(ds.get(), t.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.c_str()) < 0)
    throw IoError(StrCat("cannot write HDF5 string ", dataset));
  WriteAttr(dataset, "crc32", StringsCrc({text}));
}

void H5Writer::WriteVector(std::string_view dataset, const std::vector<double>& values) {
  const hsize_t dims[1] = {values.size()};
  WriteDataset(file_, dataset, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 1, dims, values.data());
}
void H5Writer::WriteVector(std::string_view dataset, const std::vector<std::int64_t>& values) {
  const hsize_t dims[1] = {values.size()};
  WriteDataset(file_, dataset, H5T_NATIVE_INT64, H5T_STD_I64LE, 1, dims, values.data());
}
void H5Writer::WriteStrings(std::string_view dataset, const std::vector<std::string>& values) {
  std::vector<const char*> ptrs;
  for (const auto& s : values) ptrs.push_back(s.c_str());
  Handle t = VarStringType();
  const hsize_t dims[1] = {values.size()};
  WriteDataset(file_, dataset, t.get(), t.get(), 1, dims, ptrs.data());
  WriteAttr(dataset, "crc32", StringsCrc(std::vector<std::string_view>(values.begin(), values.end())));
}
void H5Writer::WriteMatrix(std::string_view dataset, const MatrixD& m) {
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = m;
  const hsize_t dims[2] = {static_cast<hsize_t>(m.rows()), static_cast<hsize_t>(m.cols())};
  WriteDataset(file_, dataset, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, 2, dims, rm.data());
}
void H5Writer::WriteMatrix(std::string_view dataset, const Matrix& m) {
  const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = m;
  const hsize_t dims[2] = {static_cast<hsize_t>(m.rows()), static_cast<hsize_t>(m.cols())};
  WriteDataset(file_, dataset, H5T_NATIVE_FLOAT, H5T_IEEE_F32LE, 2, dims, rm.data());
}

void H5Writer::Commit() {
  if (H5Fflush(file_, H5F_SCOPE_GLOBAL) < 0 || H5Fclose(file_) < 0) {
    file_ = -1;
    throw IoError(StrCat(tmp_.string(), ": cannot flush HDF5 file"));
  }
  file_ = -1;
  std::error_code ec;
  std::filesystem::rename(tmp_, path_, ec);
  if (ec) throw IoError(StrCat(path_.string(), ": cannot rename finished result into place: ", ec.message()));
  committed_ = true;
}

// ---------------------------------------------------------------- reader

H5Reader::H5Reader(const std::filesystem::path& path) : path_(path) {
  if (!std::filesystem::exists(path)) throw IoError(StrCat(path.string(), ": no such file"));
  if (H5Fis_hdf5(path.c_str()) <= 0) throw IoError(StrCat(path.string(), ": not an HDF5 file"));
  file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file_ < 0) throw IoError(StrCat(path.string(), ": cannot open HDF5 file", CorruptionHint(LastHdf5Error())));
}

H5Reader::~H5Reader() {
  if (file_ >= 0) H5Fclose(file_);
}

bool H5Reader::Exists(std::string_view object) const {
  if (object.empty() || object == "/") return true;
  // Check each prefix: H5Lexists fails on a missing intermediate group.
  std::string cur;
  size_t start = object.front() == '/' ? 1 : 0;
  while (start <= object.size()) {
    const size_t slash = object.find('/', start);
    cur += '/';
    cur += object.substr(start, slash == object.npos ? object.npos : slash - start);
    if (H5Lexists(file_, cur.c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == object.npos) break;
    start = slash + 1;
  }
  return true;
}

namespace {
H5Kind KindOf(hid_t type) {
  switch (H5Tget_class(type)) {
    case H5T_STRING: return H5Kind::kString;
    case H5T_INTEGER: return H5Kind::kInteger;
    case H5T_FLOAT: return H5Kind::kFloat;
    default: return H5Kind::kOther;
  }
}
// Single values (numbers, strings) are read into one element: an attribute or dataset
// holding an array would overflow it, so it is refused (found by fuzz/fuzz_result_h5).
void RequireOneValue(hid_t obj, bool is_attr, const std::filesystem::path& path, const std::string& what) {
  Handle space(is_attr ? H5Aget_space(obj) : H5Dget_space(obj), H5Sclose);
  const hssize_t n = space.ok() ? H5Sget_simple_extent_npoints(space.get()) : -1;
  if (n != 1) throw IoError(StrCat(path.string(), ": ", what, " holds ", n, " values, expected a single value"));
}
}  // namespace

bool H5Reader::IsGroup(std::string_view object) const {
  if (!Exists(object)) return false;
  H5O_info_t info;
  if (H5Oget_info_by_name(file_, object.empty() ? "/" : Str(object).c_str(), &info, H5P_DEFAULT) < 0) return false;
  return info.type == H5O_TYPE_GROUP;
}

H5Kind H5Reader::AttrKind(std::string_view object, std::string_view name) const {
  Handle obj(OpenObject(file_, object), H5Oclose);
  Handle a(obj.ok() ? H5Aopen(obj.get(), Str(name).c_str(), H5P_DEFAULT) : -1, H5Aclose);
  if (!a.ok()) throw IoError(StrCat(path_.string(), ": missing attribute ", object, "@", name));
  Handle t(H5Aget_type(a.get()), H5Tclose);
  return KindOf(t.get());
}

H5Kind H5Reader::DatasetKind(std::string_view dataset) const {
  Handle d(H5Dopen2(file_, Str(dataset).c_str(), H5P_DEFAULT), H5Dclose);
  if (!d.ok()) throw IoError(StrCat(path_.string(), ": missing dataset ", dataset));
  Handle t(H5Dget_type(d.get()), H5Tclose);
  return KindOf(t.get());
}

bool H5Reader::IsScalarString(std::string_view dataset) const {
  Handle d(H5Dopen2(file_, Str(dataset).c_str(), H5P_DEFAULT), H5Dclose);
  if (!d.ok()) return false;
  Handle space(H5Dget_space(d.get()), H5Sclose);
  return H5Sget_simple_extent_type(space.get()) == H5S_SCALAR;
}

std::int64_t H5Reader::AttrInt(std::string_view object, std::string_view name) const {
  Handle obj(OpenObject(file_, object), H5Oclose);
  Handle a(obj.ok() ? H5Aopen(obj.get(), Str(name).c_str(), H5P_DEFAULT) : -1, H5Aclose);
  if (a.ok()) RequireOneValue(a.get(), true, path_, StrCat(object, "@", name));
  std::int64_t v = 0;
  if (!a.ok() || H5Aread(a.get(), H5T_NATIVE_INT64, &v) < 0)
    throw IoError(StrCat(path_.string(), ": attribute ", object, "@", name, " missing or not an integer"));
  return v;
}

namespace {
herr_t CollectName(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}
herr_t CollectAttr(hid_t, const char* name, const H5A_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}
}  // namespace

std::vector<std::string> H5Reader::Children(std::string_view group) const {
  std::vector<std::string> names;
  Handle g(H5Gopen2(file_, group.empty() ? "/" : Str(group).c_str(), H5P_DEFAULT), H5Gclose);
  if (!g.ok()) return names;
  H5Literate(g.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, CollectName, &names);
  return names;
}

std::vector<std::string> H5Reader::AttrNames(std::string_view object) const {
  std::vector<std::string> names;
  Handle obj(OpenObject(file_, object), H5Oclose);
  if (!obj.ok()) return names;
  H5Aiterate2(obj.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, CollectAttr, &names);
  return names;
}

bool H5Reader::HasAttr(std::string_view object, std::string_view name) const {
  if (!Exists(object)) return false;
  Handle obj(OpenObject(file_, object), H5Oclose);
  return obj.ok() && H5Aexists(obj.get(), Str(name).c_str()) > 0;
}

namespace {
Handle OpenAttr(hid_t file, const std::filesystem::path& path, std::string_view object, std::string_view name) {
  Handle obj(OpenObject(file, object), H5Oclose);
  hid_t a = obj.ok() ? H5Aopen(obj.get(), Str(name).c_str(), H5P_DEFAULT) : -1;
  if (a < 0) throw IoError(StrCat(path.string(), ": missing attribute ", object, "@", name));
  return Handle(a, H5Aclose);
}
std::string ReadStringFrom(hid_t obj, bool is_attr, const std::filesystem::path& path, const std::string& what) {
  RequireOneValue(obj, is_attr, path, what);
  Handle type(is_attr ? H5Aget_type(obj) : H5Dget_type(obj), H5Tclose);
  if (H5Tis_variable_str(type.get()) > 0) {
    char* p = nullptr;
    Handle mem = VarStringType();
    if (is_attr) H5Aread(obj, mem.get(), &p);
    else H5Dread(obj, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &p);
    std::string s = p ? p : "";
    H5free_memory(p);
    return s;
  }
  const size_t n = H5Tget_size(type.get());
  // A fixed-length string type can claim gigabytes in a few header bytes (see CheckedPoints).
  const double stored = is_attr ? static_cast<double>(H5Aget_storage_size(obj))
                                : static_cast<double>(H5Dget_storage_size(obj));
  if (static_cast<double>(n) > std::max(1100.0 * stored, 16.0 * (1 << 20))) {
    throw IoError(StrCat(path.string(), ": ", what, " claims a ", n, "-byte string but stores ", stored, " bytes"));
  }
  std::string s(n, '\0');
  Handle mem = StringType(n);
  if (is_attr) H5Aread(obj, mem.get(), s.data());
  else H5Dread(obj, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, s.data());
  s.resize(std::strlen(s.c_str()));
  return s;
}
}  // namespace

std::string H5Reader::AttrString(std::string_view object, std::string_view name) const {
  Handle a = OpenAttr(file_, path_, object, name);
  Handle type(H5Aget_type(a.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING) {
    return StrCat(AttrDouble(object, name));
  }
  return ReadStringFrom(a.get(), true, path_, StrCat(object, "@", name));
}

double H5Reader::AttrDouble(std::string_view object, std::string_view name) const {
  Handle a = OpenAttr(file_, path_, object, name);
  RequireOneValue(a.get(), true, path_, StrCat(object, "@", name));
  double v = 0;
  if (H5Aread(a.get(), H5T_NATIVE_DOUBLE, &v) < 0)
    throw IoError(StrCat(path_.string(), ": attribute ", object, "@", name, " is not numeric"));
  return v;
}

namespace {
Handle OpenDataset(hid_t file, const std::filesystem::path& path, std::string_view name) {
  hid_t d = H5Dopen2(file, Str(name).c_str(), H5P_DEFAULT);
  if (d < 0) {
    const std::string why = LastHdf5Error();
    if (why.find("checksum") != std::string::npos)
      throw IoError(StrCat(path.string(), ": dataset ", name, CorruptionHint(why)));
    throw IoError(StrCat(path.string(), ": missing dataset ", name));
  }
  return Handle(d, H5Dclose);
}

// The element count of a dataset about to be read into memory. A header can claim any
// shape (2^60 elements in a few bytes: bad_alloc or an out-of-memory kill, found by
// fuzz/fuzz_result_h5), so the claim must be backed by the bytes stored in the file:
// at most 1100 x the stored size (above deflate's maximum ratio of about 1032) or 16 MiB.
hssize_t CheckedPoints(hid_t d, hid_t space, const std::filesystem::path& path, std::string_view name) {
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  if (n < 0) throw IoError(StrCat(path.string(), ": dataset ", name, " has no readable shape"));
  Handle type(H5Dget_type(d), H5Tclose);
  const double claimed = static_cast<double>(n) * static_cast<double>(type.ok() ? H5Tget_size(type.get()) : 1);
  const double stored = static_cast<double>(H5Dget_storage_size(d));
  if (claimed > std::max(1100.0 * stored, 16.0 * (1 << 20))) {
    throw IoError(StrCat(path.string(), ": dataset ", name, " claims ", n, " elements (", claimed,
                         " bytes) but stores ", stored, " bytes (corrupt or not a pcmsim file?)"));
  }
  return n;
}

// Reads `dataset` into `buffer` as `mem_type`; IoError naming file and dataset, with the
// checksum verdict when the Fletcher-32 filter caught corrupted bytes.
void ReadInto(hid_t d, hid_t mem_type, void* buffer, const std::filesystem::path& path, std::string_view dataset,
              std::string_view what) {
  if (H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer) >= 0) return;
  const std::string hint = CorruptionHint(LastHdf5Error());
  if (hint.find("checksum mismatch") != std::string::npos) throw IoError(StrCat(path.string(), ": dataset ", dataset, hint));
  throw IoError(StrCat(path.string(), ": dataset ", dataset, " ", what));
}

// Checks the "crc32" attribute of a string dataset (absent in files of older pcmsim).
void CheckStringsCrc(hid_t d, const std::vector<std::string_view>& values, const std::filesystem::path& path,
                     std::string_view dataset) {
  if (H5Aexists(d, "crc32") <= 0) return;
  Handle a(H5Aopen(d, "crc32", H5P_DEFAULT), H5Aclose);
  std::int64_t stored = -1;
  if (!a.ok() || H5Aread(a.get(), H5T_NATIVE_INT64, &stored) < 0 || stored != StringsCrc(values)) {
    throw IoError(StrCat(path.string(), ": dataset ", dataset, " (checksum mismatch: the file is corrupted)"));
  }
}
}  // namespace

std::string H5Reader::ReadString(std::string_view dataset) const {
  Handle d = OpenDataset(file_, path_, dataset);
  std::string s = ReadStringFrom(d.get(), false, path_, StrCat("dataset ", dataset));
  CheckStringsCrc(d.get(), {s}, path_, dataset);
  return s;
}

std::vector<double> H5Reader::ReadVector(std::string_view dataset) const {
  Handle d = OpenDataset(file_, path_, dataset);
  Handle space(H5Dget_space(d.get()), H5Sclose);
  const hssize_t n = CheckedPoints(d.get(), space.get(), path_, dataset);
  std::vector<double> v(static_cast<size_t>(n));
  if (n > 0) ReadInto(d.get(), H5T_NATIVE_DOUBLE, v.data(), path_, dataset, "is not numeric");
  return v;
}

std::vector<std::string> H5Reader::ReadStrings(std::string_view dataset) const {
  Handle d = OpenDataset(file_, path_, dataset);
  Handle space(H5Dget_space(d.get()), H5Sclose);
  const hssize_t n = CheckedPoints(d.get(), space.get(), path_, dataset);
  std::vector<char*> ptrs(static_cast<size_t>(n), nullptr);
  Handle mem = VarStringType();
  if (n > 0) ReadInto(d.get(), mem.get(), ptrs.data(), path_, dataset, "is not a string list");
  std::vector<std::string> out;
  for (char* p : ptrs) {
    out.emplace_back(p ? p : "");
    H5free_memory(p);
  }
  CheckStringsCrc(d.get(), std::vector<std::string_view>(out.begin(), out.end()), path_, dataset);
  return out;
}

MatrixD H5Reader::ReadMatrix(std::string_view dataset) const {
  Handle d = OpenDataset(file_, path_, dataset);
  Handle space(H5Dget_space(d.get()), H5Sclose);
  hsize_t dims[2] = {1, 1};
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 1 || rank > 2) throw IoError(StrCat(path_.string(), ": dataset ", dataset, " is not 1-D or 2-D"));
  CheckedPoints(d.get(), space.get(), path_, dataset);
  H5Sget_simple_extent_dims(space.get(), dims, nullptr);
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm(
      static_cast<Index>(dims[0]), rank == 2 ? static_cast<Index>(dims[1]) : 1);
  if (rm.size() > 0) ReadInto(d.get(), H5T_NATIVE_DOUBLE, rm.data(), path_, dataset, "is not numeric");
  return rm;
}

namespace {
herr_t CollectLink(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->emplace_back(name);
  return 0;
}
// Opens an object (verifying its header checksum); IoError naming it on failure.
Handle OpenChecked(hid_t file, const std::filesystem::path& path, const std::string& name) {
  hid_t o = H5Oopen(file, name.c_str(), H5P_DEFAULT);
  if (o < 0) throw IoError(StrCat(path.string(), ": ", name, CorruptionHint(LastHdf5Error())));
  return Handle(o, H5Oclose);
}
// Every object's path below `group`, each opened on its own (so a corrupted header is
// reported under its name), depth first.
// A hard link can make a group its own descendant (HDF5 allows cycles; found by
// fuzz/fuzz_result_h5 through Verify): the walk stops with an IoError past these limits,
// far beyond any file pcmsim writes.
constexpr int kMaxWalkDepth = 32;
constexpr size_t kMaxWalkObjects = 100000;
void AllObjectsBelow(hid_t file, const std::filesystem::path& path, const std::string& group,
                     std::vector<std::string>& out, int depth = 0) {
  if (depth > kMaxWalkDepth) {
    throw IoError(StrCat(path.string(), ": groups nest deeper than ", kMaxWalkDepth, " levels at ", group,
                         " (a link cycle?)"));
  }
  Handle g = OpenChecked(file, path, group);
  std::vector<std::string> children;
  if (H5Literate(g.get(), H5_INDEX_NAME, H5_ITER_INC, nullptr, CollectLink, &children) < 0) {
    throw IoError(StrCat(path.string(), ": ", group, ": cannot list its members", CorruptionHint(LastHdf5Error())));
  }
  for (const std::string& child : children) {
    const std::string name = (group == "/" ? "/" : group + "/") + child;
    out.push_back(name);
    if (out.size() > kMaxWalkObjects) {
      throw IoError(StrCat(path.string(), ": more than ", kMaxWalkObjects, " objects (a link cycle?)"));
    }
    Handle o = OpenChecked(file, path, name);
    if (H5Iget_type(o.get()) == H5I_GROUP) AllObjectsBelow(file, path, name, out, depth + 1);
  }
}
std::vector<std::string> AllObjects(hid_t file, const std::filesystem::path& path) {
  std::vector<std::string> names;
  AllObjectsBelow(file, path, "/", names);
  return names;
}
}  // namespace

std::vector<std::string> H5Reader::Datasets() const {
  std::vector<std::string> names;
  for (const std::string& name : AllObjects(file_, path_)) {
    Handle o = OpenChecked(file_, path_, name);
    if (H5Iget_type(o.get()) == H5I_DATASET) names.push_back(name);
  }
  return names;
}

void H5Reader::Verify() const {
  for (const std::string& name : AllObjects(file_, path_)) {
    Handle o = OpenChecked(file_, path_, name);
    if (H5Iget_type(o.get()) != H5I_DATASET) continue;
    Handle d = OpenDataset(file_, path_, name);
    Handle type(H5Dget_type(d.get()), H5Tclose);
    if (H5Tget_class(type.get()) == H5T_STRING) {
      Handle space(H5Dget_space(d.get()), H5Sclose);
      if (H5Sget_simple_extent_type(space.get()) == H5S_SCALAR) ReadString(name);
      else ReadStrings(name);
      continue;
    }
    Handle space(H5Dget_space(d.get()), H5Sclose);
    const hssize_t n = CheckedPoints(d.get(), space.get(), path_, name);
    Handle mem(H5Tget_native_type(type.get(), H5T_DIR_DEFAULT), H5Tclose);
    std::vector<unsigned char> buffer(static_cast<size_t>(n) * H5Tget_size(mem.get()));
    if (n > 0) ReadInto(d.get(), mem.get(), buffer.data(), path_, name, "cannot be read");
  }
}

}  // namespace pcmsim::io
