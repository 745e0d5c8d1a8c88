// HDF5 result files as `report`, `compare`, `init_from`, `--resume` and the sweep table
// read them, then (as a resume would) one training epoch of the networks the file was
// loaded into. What is read:
//   report : GroupToJson(/summary), AttributesToJson(/), ReadMetrics, root attributes
//   compare: /summary attributes as numbers and strings, /energy/assumptions
//   resume / init_from: /config, ReadModel into a 4-3-2 FP32 network (weights only, as
//            init_from) and a 4-3-2 analog SGD network (weights and state, as --resume)
//
// Two input modes (first byte):
//   'H' + bytes : the rest is written as the file as is (raw HDF5: reaches the HDF5
//                 library's own parser, Debian libhdf5 1.10.8, which crashes on some
//                 corrupt files: README.md, "HDF5 itself"). Only with PCMSIM_FUZZ_H5_RAW=1
//                 in the environment; corpus fuzz/corpus/fuzz_result_h5_raw/.
//   otherwise   : the input is a program that EDITS a well-formed HDF5 file through the
//                 HDF5 API: the second byte picks the start (an empty file, a real FP32
//                 result or a real analog checkpoint from fuzz/templates/), then groups,
//                 datasets and attributes of any type and shape are created at the paths
//                 pcmsim reads, links deleted, hard links that make cycles, soft and
//                 external links added. The fuzzing effort goes into pcmsim's code on top
//                 of HDF5, which is what pcmsim controls.
// Property: no crash, no sanitizer report, no exception other than pcmsim::Error.
#include <fuzzer/FuzzedDataProvider.h>
#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "fuzz_util.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/experiment/experiment.hpp"
#include "pcmsim/experiment/result_file.hpp"
#include "pcmsim/experiment/runner.hpp"
#include "pcmsim/io/h5.hpp"
#include "pcmsim/io/h5_json.hpp"
#include "pcmsim/nn/trainer.hpp"

using namespace pcmsim;

namespace {

// ---------------------------------------------------------------- building a file

const char* const kPaths[] = {
    "/summary", "/summary/accuracy_vs_time", "/summary/ptq", "/summary/energy", "/metrics", "/metrics/epoch",
    "/metrics/lr", "/metrics/train_loss", "/metrics/train_accuracy", "/metrics/test_accuracy", "/metrics/seconds",
    "/metrics/samples_per_second", "/model", "/model/layer_0", "/model/layer_1", "/model/layer_0/weights",
    "/model/layer_0/bias", "/model/layer_1/weights", "/model/layer_1/bias", "/model/layer_0/bias_velocity",
    "/model/layer_1/bias_velocity", "/model/layer_0/state", "/model/layer_1/state", "/model/layer_0/state/velocity",
    "/model/layer_0/state/chi", "/model/layer_0/state/counters", "/model/layer_0/state/tallies",
    "/model/layer_0/state/array_events", "/model/layer_0/state/array.tile0_0.g_a0",
    "/model/layer_0/state/array.tile0_0.meta", "/model/layer_0/state/array.tile0_0.nu",
    "/model/layer_0/state/array.tile0_0.q", "/model/layer_0/state/array.tile0_0.t_prog",
    "/model/layer_0/state/array.tile0_0.ref_rows", "/model/layer_0/state/array.tile0_0.cache_g",
    "/model/layer_0/state/array.tile0_0.cache_dirty", "/model/layer_1/state/velocity", "/model/layer_1/state/chi",
    "/config", "/energy", "/energy/assumptions", "/summary/x", "/summary/accuracy_vs_time/mean"};
const char* const kAttrs[] = {"kind",           "pcmsim_version", "git_commit",  "git_dirty",     "start_time",
                              "seed",           "schema_version", "test_accuracy", "experiment",  "backend",
                              "energy_per_inference_J", "tops_per_w_inference", "energy_dominant_component",
                              "layers",         "activation",     "note",        "x"};

std::string PickPath(FuzzedDataProvider& p) {
  if (p.ConsumeBool()) return kPaths[p.ConsumeIntegralInRange<size_t>(0, std::size(kPaths) - 1)];
  return "/" + p.ConsumeRandomLengthString(12);
}

// A datatype for the element class chosen by the input (caller closes it).
hid_t PickType(FuzzedDataProvider& p, bool& is_vlen_string) {
  is_vlen_string = false;
  switch (p.ConsumeIntegralInRange(0, 8)) {
    case 0: return H5Tcopy(H5T_IEEE_F64LE);
    case 1: return H5Tcopy(H5T_IEEE_F32BE);
    case 2: return H5Tcopy(H5T_STD_I64LE);
    case 3: return H5Tcopy(H5T_STD_U8LE);
    case 4: return H5Tcopy(H5T_STD_I8BE);
    case 5: {
      hid_t t = H5Tcopy(H5T_C_S1);
      H5Tset_size(t, p.ConsumeIntegralInRange<size_t>(1, 40));
      return t;
    }
    case 6: {
      hid_t t = H5Tcopy(H5T_C_S1);
      H5Tset_size(t, H5T_VARIABLE);
      is_vlen_string = true;
      return t;
    }
    case 7: {
      hid_t t = H5Tcreate(H5T_COMPOUND, 16);
      H5Tinsert(t, "a", 0, H5T_NATIVE_DOUBLE);
      H5Tinsert(t, "b", 8, H5T_NATIVE_INT64);
      return t;
    }
    default: {
      const hsize_t n = 2;
      return H5Tarray_create2(H5T_NATIVE_DOUBLE, 1, &n);
    }
  }
}

// Writes a dataset (attribute == false) or an attribute on `object` with input-chosen
// type, rank (0 = scalar .. 3) and dims (0..7 each), filled from the input.
void MakeData(FuzzedDataProvider& p, hid_t file, bool attribute) {
  const std::string path = PickPath(p);
  const std::string attr_name = kAttrs[p.ConsumeIntegralInRange<size_t>(0, std::size(kAttrs) - 1)];
  bool vlen = false;
  const hid_t type = PickType(p, vlen);
  const int rank = p.ConsumeIntegralInRange(0, 3);
  hsize_t dims[3] = {1, 1, 1};
  hsize_t count = 1;
  for (int d = 0; d < rank; ++d) count *= (dims[d] = p.ConsumeIntegralInRange<hsize_t>(0, 7));
  const hid_t space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, nullptr);
  const size_t elem = H5Tget_size(type);
  std::vector<std::string> strings;
  std::vector<const char*> ptrs;
  std::vector<std::uint8_t> bytes;
  if (vlen) {
    for (hsize_t i = 0; i < count; ++i) strings.push_back(p.ConsumeRandomLengthString(16));
    for (const auto& s : strings) ptrs.push_back(s.c_str());
  } else {
    bytes = p.ConsumeBytes<std::uint8_t>(static_cast<size_t>(count) * elem);
    bytes.resize(static_cast<size_t>(count) * elem, 0);
  }
  const void* buf = vlen ? static_cast<const void*>(ptrs.data()) : static_cast<const void*>(bytes.data());
  const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  if (attribute) {
    const hid_t obj = H5Oopen(file, path.c_str(), H5P_DEFAULT);
    if (obj >= 0) {
      if (H5Aexists(obj, attr_name.c_str()) > 0) H5Adelete(obj, attr_name.c_str());
      const hid_t a = H5Acreate2(obj, attr_name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT);
      if (a >= 0) {
        if (count > 0) H5Awrite(a, type, buf);
        H5Aclose(a);
      }
      H5Oclose(obj);
    }
  } else {
    if (p.ConsumeBool()) H5Ldelete(file, path.c_str(), H5P_DEFAULT);  // replace what is there
    const hid_t d = H5Dcreate2(file, path.c_str(), type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (d >= 0) {
      if (count > 0) H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
      H5Dclose(d);
    }
  }
  H5Pclose(lcpl);
  H5Sclose(space);
  H5Tclose(type);
}

bool BuildFile(FuzzedDataProvider& p, const std::filesystem::path& path) {
  const std::filesystem::path templates = std::filesystem::path(PCMSIM_SOURCE_DIR) / "fuzz" / "templates";
  hid_t file = -1;
  switch (p.ConsumeIntegralInRange(0, 2)) {
    case 0: file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT); break;
    case 1:
      std::filesystem::copy_file(templates / "fp32_result.h5", path, std::filesystem::copy_options::overwrite_existing);
      file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
      break;
    default:
      std::filesystem::copy_file(templates / "analog_checkpoint.h5", path,
                                 std::filesystem::copy_options::overwrite_existing);
      file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
      break;
  }
  if (file < 0) return false;
  const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  for (int op = 0; op < 40 && p.remaining_bytes() > 0; ++op) {
    switch (p.ConsumeIntegralInRange(0, 7)) {
      case 7: H5Ldelete(file, PickPath(p).c_str(), H5P_DEFAULT); break;
      case 0: {
        const hid_t g = H5Gcreate2(file, PickPath(p).c_str(), lcpl, H5P_DEFAULT, H5P_DEFAULT);
        if (g >= 0) H5Gclose(g);
        break;
      }
      case 1:
      case 2: MakeData(p, file, false); break;
      case 3: MakeData(p, file, true); break;
      case 4: {  // hard link: an existing object under a second name (cycles when it is an ancestor)
        const std::string target = PickPath(p), name = PickPath(p);
        H5Lcreate_hard(file, target.c_str(), file, name.c_str(), lcpl, H5P_DEFAULT);
        break;
      }
      case 5: {
        const std::string target = PickPath(p), name = PickPath(p);
        H5Lcreate_soft(target.c_str(), file, name.c_str(), lcpl, H5P_DEFAULT);
        break;
      }
      default: {
        const std::string name = PickPath(p);
        H5Lcreate_external("no_such_file.h5", "/x", file, name.c_str(), lcpl, H5P_DEFAULT);
        break;
      }
    }
  }
  H5Pclose(lcpl);
  H5Fclose(file);
  return true;
}

// ---------------------------------------------------------------- reading it

const experiment::Experiment& TinyExperiment(const char* base, const char* backend) {
  static std::map<std::string, experiment::Experiment> loaded;
  auto it = loaded.find(base);
  if (it == loaded.end()) {
    const std::filesystem::path file = fuzz::Scratch() / "experiments" / base;
    it = loaded.emplace(base, experiment::LoadExperiment(file, {"model.layers=[4, 3, 2]",
                                                                StrCat("model.backend=", backend)})).first;
  }
  return it->second;
}

nn::Network Network(const char* base, const char* backend) {
  return experiment::BuildNetwork(TinyExperiment(base, backend));
}

io::Dataset TinyData() {
  io::Dataset d;
  d.x = Matrix::Random(4, 6).cwiseAbs();
  d.labels = {0, 1, 0, 1, 1, 0};
  d.classes = 2;
  d.name = "tiny";
  return d;
}

void TrainOneEpoch(nn::Network& mlp, int start_epoch) {
  nn::TrainOptions t;
  t.epochs = start_epoch + 1;
  t.batch_size = 3;
  const io::Dataset d = TinyData();
  nn::Train(mlp, d, &d, t, {}, start_epoch);
}

void Report(const io::H5Reader& in) {
  if (in.Exists("/summary")) (void)io::GroupToJson(in, "/summary");
  (void)io::AttributesToJson(in, "/");
  for (const char* key : {"kind", "pcmsim_version", "git_commit", "start_time", "seed"})
    if (in.HasAttr("/", key)) (void)in.AttrString("/", key);
  for (const auto& m : experiment::ReadMetrics(in)) (void)m;
}

void Compare(const io::H5Reader& in) {
  for (const char* key : {"test_accuracy", "energy_per_inference_J", "tops_per_w_inference"})
    if (in.HasAttr("/summary", key)) (void)in.AttrDouble("/summary", key);
  for (const char* key : {"experiment", "backend", "energy_dominant_component"})
    if (in.HasAttr("/summary", key)) (void)in.AttrString("/summary", key);
  if (in.Exists("/energy/assumptions")) (void)in.ReadStrings("/energy/assumptions");
}

template <typename F>
void Try(F&& f) {
  try {
    f();
  } catch (const Error&) {
  }
}

void ReadAll(const std::filesystem::path& file) {
  Try([&] {
    const io::H5Reader in(file);
    Try([&] { experiment::CheckPcmsimFile(in); });  // report, compare, init_from and resume start here
    Try([&] { in.Verify(); });                       // ... and read every dataset once (checksums)
    Try([&] { Report(in); });
    Try([&] { Compare(in); });
    Try([&] {
      if (in.Exists("/config")) (void)in.ReadString("/config");
    });
    Try([&] {  // init_from: weights only, then training continues from them
      nn::Network fp32 = Network("mnist_fp32.toml", "fp32");
      experiment::ReadModel(in, fp32, false);
      TrainOneEpoch(fp32, 0);
    });
    Try([&] {  // --resume: weights, momentum and device state, then the next epoch
      nn::Network analog = Network("mnist_analog_sgd.toml", "analog");
      experiment::ReadModel(in, analog, true);
      const auto history = experiment::ReadMetrics(in);
      TrainOneEpoch(analog, history.empty() ? 0 : std::clamp(history.back().epoch, 0, 1000));
    });
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::filesystem::path file = fuzz::Scratch() / "fuzz_result.h5";
  if (data[0] == 'H') {
    static const bool raw = [] {
      const char* env = std::getenv("PCMSIM_FUZZ_H5_RAW");
      return env != nullptr && env[0] == '1';
    }();
    if (!raw) return 0;
    fuzz::WriteFile(file, std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  } else {
    FuzzedDataProvider p(data, size);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    if (!BuildFile(p, file)) return 0;
  }
  ReadAll(file);
  return 0;
}
