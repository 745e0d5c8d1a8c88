// ONNX import: every supported op against a numpy forward pass of the same model (the
// oracle written by tests/io/make_onnx_models.py), every unsupported case with its message,
// and malformed protobuf data (every truncation, wrong wire types, byte flips) -> IoError.
#include "pcmsim/io/onnx.hpp"

#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>

#include "pcmsim/core/error.hpp"
#include "test_util.hpp"

namespace pcmsim::io {
namespace {

std::filesystem::path Model(const std::string& name) {
  return testing::SourceDir() / "tests" / "data" / "onnx" / (name + ".onnx");
}

std::vector<std::uint8_t> Bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Expected {
  std::vector<double> input, output;
};
Expected ReadExpected(const std::string& name) {
  std::ifstream in(testing::SourceDir() / "tests" / "data" / "onnx" / (name + ".expected.txt"));
  std::string line;
  std::getline(in, line);  // comment
  Expected e;
  for (auto* v : {&e.input, &e.output}) {
    std::getline(in, line);
    std::istringstream ls(line);
    double x;
    while (ls >> x) v->push_back(x);
  }
  return e;
}

// A plain forward pass over the imported description, in double, written from the ONNX
// operator definitions (independent of the layers the network code implements).
struct Tensor3 {
  Index c = 1, h = 1, w = 1;
  std::vector<double> v;  // (c, h, w) row-major
  double& at(Index k, Index i, Index j) { return v[static_cast<size_t>((k * h + i) * w + j)]; }
};

std::vector<double> ReferenceForward(const ImportedModel& m, std::vector<double> x) {
  Tensor3 t;
  if (m.input_shape.size() == 3) {
    t.c = m.input_shape[0];
    t.h = m.input_shape[1];
    t.w = m.input_shape[2];
  } else {
    t.c = m.input_shape[0];
  }
  t.v = std::move(x);
  for (const ImportedLayer& l : m.layers) {
    Tensor3 o;
    switch (l.kind) {
      case ImportedKind::kDense:
        o.c = l.weights.rows();
        o.v.assign(static_cast<size_t>(o.c), 0.0);
        for (Index r = 0; r < o.c; ++r) {
          double s = l.bias(r);
          for (Index k = 0; k < l.weights.cols(); ++k) s += double{l.weights(r, k)} * t.v[static_cast<size_t>(k)];
          o.v[static_cast<size_t>(r)] = s;
        }
        break;
      case ImportedKind::kConv2d:
      case ImportedKind::kMaxPool2d:
      case ImportedKind::kAvgPool2d: {
        o.c = l.out_shape[0];
        o.h = l.out_shape[1];
        o.w = l.out_shape[2];
        o.v.assign(static_cast<size_t>(o.c * o.h * o.w), 0.0);
        for (Index k = 0; k < o.c; ++k)
          for (Index i = 0; i < o.h; ++i)
            for (Index j = 0; j < o.w; ++j) {
              double acc = l.kind == ImportedKind::kConv2d ? double{l.bias(k)}
                           : l.kind == ImportedKind::kMaxPool2d ? -INFINITY : 0.0;
              Index inside = 0;
              const Index channels = l.kind == ImportedKind::kConv2d ? t.c : 1;
              for (Index c = 0; c < channels; ++c)
                for (Index a = 0; a < l.kernel_h; ++a)
                  for (Index b = 0; b < l.kernel_w; ++b) {
                    const Index y = i * l.stride_h - l.pad_h + a, xx = j * l.stride_w - l.pad_w + b;
                    if (y < 0 || y >= t.h || xx < 0 || xx >= t.w) continue;
                    const double in = t.at(l.kind == ImportedKind::kConv2d ? c : k, y, xx);
                    ++inside;
                    if (l.kind == ImportedKind::kConv2d) {
                      acc += double{l.weights(k, (c * l.kernel_h + a) * l.kernel_w + b)} * in;
                    } else if (l.kind == ImportedKind::kMaxPool2d) {
                      acc = std::max(acc, in);
                    } else {
                      acc += in;
                    }
                  }
              if (l.kind == ImportedKind::kAvgPool2d) {
                acc /= static_cast<double>(l.count_include_pad ? l.kernel_h * l.kernel_w : inside);
              }
              o.at(k, i, j) = acc;
            }
        break;
      }
      case ImportedKind::kFlatten:
        o.c = t.c * t.h * t.w;
        o.v = t.v;
        break;
      case ImportedKind::kRelu:
      case ImportedKind::kSigmoid:
      case ImportedKind::kTanh:
        o = t;
        for (double& v : o.v) {
          v = l.kind == ImportedKind::kRelu ? std::max(v, 0.0)
              : l.kind == ImportedKind::kSigmoid ? 1.0 / (1.0 + std::exp(-v))
                                                 : std::tanh(v);
        }
        break;
    }
    t = std::move(o);
  }
  return t.v;
}

void ExpectMatchesNumpy(const std::string& name) {
  const ImportedModel m = ReadOnnx(Model(name));
  const Expected e = ReadExpected(name);
  ASSERT_FALSE(e.output.empty());
  const std::vector<double> y = ReferenceForward(m, e.input);
  ASSERT_EQ(y.size(), e.output.size());
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], e.output[i], 1e-5 * (1 + std::abs(e.output[i]))) << name << " output " << i;
}

std::vector<ImportedKind> Kinds(const ImportedModel& m) {
  std::vector<ImportedKind> k;
  for (const auto& l : m.layers) k.push_back(l.kind);
  return k;
}

using K = ImportedKind;

TEST(OnnxTest, GemmMlpWithTransposeAlphaBetaAndSoftmax) {
  const ImportedModel m = ReadOnnx(Model("mlp_gemm"));
  EXPECT_EQ(m.opset, 13);
  EXPECT_EQ(m.input_shape, (ImportedShape{12}));  // the dynamic batch dimension is dropped
  EXPECT_EQ(Kinds(m), (std::vector<K>{K::kDense, K::kRelu, K::kDense, K::kSigmoid, K::kDense}));  // Softmax dropped
  EXPECT_EQ(m.layers[0].weights.rows(), 8);
  EXPECT_EQ(m.layers[0].weights.cols(), 12);
  EXPECT_EQ(m.layers[4].weights.rows(), 4);  // transB = 0 weight [6, 4] came out 4 x 6
  EXPECT_EQ(m.layers[4].weights.cols(), 6);
  EXPECT_EQ(m.layers[0].node, "/fc1/Gemm");
  EXPECT_EQ(m.Outputs(), 4);
  ExpectMatchesNumpy("mlp_gemm");
}

TEST(OnnxTest, MatMulAddMlpWithTanhIdentityLogSoftmax) {
  const ImportedModel m = ReadOnnx(Model("mlp_matmul"));
  EXPECT_EQ(m.opset, 11);
  EXPECT_EQ(Kinds(m), (std::vector<K>{K::kDense, K::kTanh, K::kDense}));
  EXPECT_EQ(m.layers[2].out_shape, (ImportedShape{3}));
  ExpectMatchesNumpy("mlp_matmul");
}

TEST(OnnxTest, CnnWithConvPoolsPaddingStridesAndFlatten) {
  const ImportedModel m = ReadOnnx(Model("cnn"));
  EXPECT_EQ(m.input_shape, (ImportedShape{2, 9, 9}));
  EXPECT_EQ(Kinds(m), (std::vector<K>{K::kConv2d, K::kRelu, K::kMaxPool2d, K::kConv2d, K::kSigmoid, K::kAvgPool2d,
                                      K::kAvgPool2d, K::kMaxPool2d, K::kFlatten, K::kDense}));
  const ImportedLayer& c1 = m.layers[0];
  EXPECT_EQ(c1.in_channels, 2);
  EXPECT_EQ(c1.out_channels, 3);
  EXPECT_EQ(c1.weights.rows(), 3);
  EXPECT_EQ(c1.weights.cols(), 2 * 3 * 3);
  EXPECT_EQ(c1.pad_h, 1);
  EXPECT_EQ(c1.out_shape, (ImportedShape{3, 9, 9}));
  EXPECT_EQ(m.layers[3].stride_h, 2);
  EXPECT_EQ(m.layers[3].bias, Vector::Zero(4));  // Conv without a bias input
  EXPECT_TRUE(m.layers[5].count_include_pad);
  EXPECT_FALSE(m.layers[6].count_include_pad);
  EXPECT_EQ(m.layers[8].out_shape, (ImportedShape{16}));
  ExpectMatchesNumpy("cnn");
}

TEST(OnnxTest, ReshapeThroughConstantNodeAndMatMulBias) {
  const ImportedModel m = ReadOnnx(Model("cnn_reshape"));
  EXPECT_EQ(Kinds(m), (std::vector<K>{K::kConv2d, K::kTanh, K::kFlatten, K::kDense}));
  EXPECT_EQ(m.layers[0].stride_w, 2);
  ExpectMatchesNumpy("cnn_reshape");
}

TEST(OnnxTest, ViewFlattenThroughShapeGatherUnsqueezeConcat) {
  for (const char* name : {"cnn_view_opset11", "cnn_view_opset13"}) {
    SCOPED_TRACE(name);
    const ImportedModel m = ReadOnnx(Model(name));
    EXPECT_EQ(Kinds(m), (std::vector<K>{K::kConv2d, K::kRelu, K::kFlatten, K::kDense}));
    EXPECT_EQ(m.layers[2].out_shape, (ImportedShape{8}));
    ExpectMatchesNumpy(name);
  }
}

// Every model outside the subset: one line naming the file, the node, its op type and why.
struct BadCase {
  const char* model;
  std::vector<const char*> pieces;
};
// Reads each case's file (path_of(model)) and checks its one-line error.
template <class PathOf>
void ExpectOneLineErrors(const std::vector<BadCase>& cases, PathOf path_of);

TEST(OnnxTest, EveryUnsupportedCaseNamesFileNodeOpAndReason) {
  const std::vector<BadCase> cases = {
      {"bad_unsupported_op", {"node '/bn/BatchNormalization' (BatchNormalization)", "operator not supported", "fold it"}},
      {"bad_dynamic_shape", {"input 'x' dimension 2 is dynamic ('height')", "only the batch dimension"}},
      {"bad_conv_group", {"node '/conv/Conv' (Conv)", "group = 2 is not supported"}},
      {"bad_conv_dilation", {"node '/conv/Conv' (Conv)", "dilations [2, 2] are not supported"}},
      {"bad_conv_pads", {"node '/conv/Conv' (Conv)", "asymmetric pads [1, 1, 0, 0]"}},
      {"bad_conv_auto_pad", {"(Conv)", "auto_pad = SAME_UPPER is not supported"}},
      {"bad_conv_1d", {"(Conv)", "only 2-D convolution"}},
      {"bad_pool_ceil", {"node '/pool/MaxPool' (MaxPool)", "ceil_mode = 1 changes the output size"}},
      {"bad_gemm_transa", {"node '/fc/Gemm' (Gemm)", "transA = 1 is not supported"}},
      {"bad_pad_reflect", {"node '/Pad' (Pad)", "mode = reflect is not supported"}},
      {"bad_pad_value", {"node '/Pad' (Pad)", "constant_value other than 0"}},
      {"bad_pad_channels", {"node '/Pad' (Pad)", "pads [0, 1, 0, 0, 0, 1, 0, 0] are not supported"}},
      {"bad_pad_maxpool", {"node '/MaxPool' (MaxPool)", "follows the Pad node '/Pad'", "only supported right before Conv"}},
      {"bad_attr_type", {"node '/fc/Gemm' (Gemm)", "attribute transB has type FLOAT, expected INT"}},
      {"bad_attr_unknown", {"node '/fc/Gemm' (Gemm)", "attribute 'foo' is not supported"}},
      {"bad_opset", {"opset 18 is not supported (11 to 17"}},
      {"bad_branch", {"node '/Add' (Add)", "skip connection"}},
      {"bad_reshape", {"node '/Reshape' (Reshape)", "Reshape to [1, 2, -1] is not a flatten to one vector per sample"}},
      {"bad_no_flatten", {"node '/fc/Gemm' (Gemm)", "input is [2, 6, 6], not a vector; add a Flatten"}},
      {"bad_softmax_middle", {"node '/fc2/Gemm' (Gemm)", "follows the Softmax/LogSoftmax node '/Softmax'"}},
      {"bad_double_weights", {"node '/fc/Gemm' (Gemm)", "weight 'w' has data type DOUBLE, expected FLOAT"}},
      {"bad_gather", {"node '/Gather' (Gather)", "operator not supported", "only on shape values"}},
      {"bad_external_data", {"node '/fc/Gemm' (Gemm)", "weight 'w' is stored as external data"}},
  };
  ExpectOneLineErrors(cases, [](const std::string& name) { return Model(name); });
}

// What torch.onnx.export (1.13) writes for ops and structures outside the subset
// (experiments/onnx/torch_bad_*.onnx, made by scripts/export_torch_onnx.py).
TEST(OnnxTest, TorchExportedUnsupportedModelsGiveOneLineErrors) {
  const std::vector<BadCase> cases = {
      {"torch_bad_leakyrelu", {"node '/1/LeakyRelu' (LeakyRelu)", "operator not supported"}},
      {"torch_bad_residual", {"node '/Add' (Add)", "skip connection"}},
      {"torch_bad_batchnorm", {"node '/1/BatchNormalization' (BatchNormalization)", "fold it into the preceding Conv"}},
      {"torch_bad_conv1d", {"input 'input' has rank 3"}},
  };
  ExpectOneLineErrors(cases, [](const std::string& name) {
    return testing::SourceDir() / "experiments" / "onnx" / (name + ".onnx");
  });
}

TEST(OnnxTest, TorchExportedModelsRead) {
  for (const char* name : {"torch_mlp_opset13", "torch_cnn_opset11", "torch_cnn_opset17"}) {
    SCOPED_TRACE(name);
    const ImportedModel m = ReadOnnx(testing::SourceDir() / "experiments" / "onnx" / (std::string(name) + ".onnx"));
    EXPECT_EQ(m.producer, "pytorch 1.13.0");
    EXPECT_EQ(m.input_shape, (ImportedShape{1, 28, 28}));
    EXPECT_EQ(m.Outputs(), 10);
  }
  const ImportedModel cnn = ReadOnnx(testing::SourceDir() / "experiments" / "onnx" / "torch_cnn_opset17.onnx");
  std::vector<std::string> kinds;
  for (const ImportedLayer& l : cnn.layers) kinds.emplace_back(ImportedKindName(l.kind));
  // The all-zero Pad torch writes before AveragePool disappears; view() becomes a flatten.
  EXPECT_EQ(kinds, (std::vector<std::string>{"conv2d", "relu", "maxpool2d", "conv2d", "tanh", "avgpool2d", "flatten",
                                             "dense", "sigmoid", "dense"}));
  EXPECT_EQ(cnn.opset, 17);
}

template <class PathOf>
void ExpectOneLineErrors(const std::vector<BadCase>& cases, PathOf path_of) {
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.model);
    const std::string file = path_of(c.model).string();
    try {
      ReadOnnx(path_of(c.model));
      ADD_FAILURE() << "no error";
    } catch (const IoError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind(file + ": ", 0), 0u) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
      for (const char* piece : c.pieces) EXPECT_NE(msg.find(piece), std::string::npos) << "lacks '" << piece << "': " << msg;
    }
  }
}

TEST(OnnxTest, EveryTruncationIsAnIoError) {
  const std::vector<std::uint8_t> bytes = Bytes(Model("cnn"));
  ASSERT_GT(bytes.size(), 1000u);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_THROW(ParseOnnx(std::span(bytes.data(), n), "cut.onnx"), IoError) << "prefix " << n;
  }
  PCMSIM_EXPECT_THROW_MSG(ParseOnnx(std::span(bytes.data(), bytes.size() / 2), "cut.onnx"), IoError,
                          "cut.onnx: malformed ONNX (protobuf) data: truncated");
  EXPECT_NO_THROW(ParseOnnx(bytes, "whole.onnx"));
}

TEST(OnnxTest, WrongWireTypesAndBadVarintsAreIoErrors) {
  auto parse = [](std::vector<std::uint8_t> b) { return ParseOnnx(b, "bad.onnx"); };
  // ModelProto.graph (field 7) sent as a varint.
  PCMSIM_EXPECT_THROW_MSG(parse({0x38, 0x01}), IoError, "bad.onnx: malformed", "ModelProto.graph",
                          "wire type varint, expected length-delimited");
  // A protobuf group (wire type 3), never used by ONNX.
  PCMSIM_EXPECT_THROW_MSG(parse({0x0b}), IoError, "wire type 3", "groups");
  // A varint of 11 bytes.
  PCMSIM_EXPECT_THROW_MSG(parse({0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}), IoError,
                          "longer than 10 bytes");
  // Field number 0.
  PCMSIM_EXPECT_THROW_MSG(parse({0x00}), IoError, "bad field number 0");
  // A length running past the end inside the graph.
  PCMSIM_EXPECT_THROW_MSG(parse({0x3a, 0x03, 0x0a, 0x10, 0x00}), IoError, "declares 16 bytes but only 1 remain");
  // Empty buffer and a text file: no graph.
  PCMSIM_EXPECT_THROW_MSG(parse({}), IoError, "bad.onnx: the file has no graph");
  PCMSIM_EXPECT_THROW_MSG(ReadOnnx(testing::SourceDir() / "tests" / "data" / "onnx" / "nope.onnx"), IoError,
                          "nope.onnx: no such file");
}

// Every single-byte corruption of a valid model either still reads or fails with IoError
// (no crash, no other exception type): a deterministic stand-in for fuzzing.
TEST(OnnxTest, ByteFlipsNeverCrash) {
  const std::vector<std::uint8_t> good = Bytes(Model("mlp_gemm"));
  int rejected = 0;
  for (size_t i = 0; i < good.size(); ++i) {
    for (const std::uint8_t v : {std::uint8_t{0x00}, std::uint8_t{0xff}, static_cast<std::uint8_t>(good[i] ^ 0x80)}) {
      std::vector<std::uint8_t> b = good;
      b[i] = v;
      try {
        ParseOnnx(b, "flip.onnx");
      } catch (const IoError&) {
        ++rejected;
      }
    }
  }
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace pcmsim::io
