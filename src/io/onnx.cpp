// Lowers a decoded ONNX graph onto a sequential chain of layers: walks the nodes in their
// (topological) order, keeps the one running activation tensor and its per-sample shape,
// and turns each supported node into a layer (or folds it: bias Add, Constant, no-ops).
#include "pcmsim/io/onnx.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "onnx_proto.hpp"
#include "pcmsim/core/error.hpp"
#include "pcmsim/io/protobuf_wire.hpp"

namespace pcmsim::io {
namespace {

constexpr std::int64_t kMinOpset = 11;
constexpr std::int64_t kMaxOpset = 17;
// Bounds on sizes and window parameters: far above any network pcmsim simulates, far below
// where index arithmetic could overflow on a corrupt file.
constexpr std::int64_t kMaxExtent = std::int64_t{1} << 20;
constexpr std::int64_t kMaxFeatures = std::int64_t{1} << 30;

// Stands for the (possibly symbolic) batch size in shape values computed inside the graph
// (Shape -> Gather -> Unsqueeze -> Concat -> Reshape, as x.view(x.size(0), -1) exports).
constexpr std::int64_t kBatch = std::numeric_limits<std::int64_t>::min();

std::string IntsText(const std::vector<std::int64_t>& v) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < v.size(); ++i) {
    os << (i ? ", " : "");
    if (v[i] == kBatch) {
      os << "batch";
    } else {
      os << v[i];
    }
  }
  os << ']';
  return os.str();
}

Index Product(const ImportedShape& s) {
  Index p = 1;
  for (const Index d : s) p *= d;
  return p;
}

class Lowering {
 public:
  Lowering(const onnx::Model& m, std::string name) : m_(m), name_(std::move(name)) {}

  ImportedModel Run() {
    out_.source = name_;
    out_.producer = m_.producer_name + (m_.producer_version.empty() ? "" : " " + m_.producer_version);
    if (!m_.has_graph) Fail("the file has no graph (not an ONNX model?)");
    CheckOpset();
    const onnx::Graph& g = m_.graph;
    if (g.sparse_initializers > 0) Fail("sparse initializers are not supported");
    for (const onnx::Tensor& t : g.initializers) consts_[t.name] = &t;
    ReadInput();
    for (size_t k = 0; k < g.nodes.size(); ++k) Lower(g.nodes[k], k);
    Finish();
    return std::move(out_);
  }

 private:
  [[noreturn]] void Fail(const std::string& why) const { throw IoError(StrCat(name_, ": ", why)); }
  [[noreturn]] void Fail(const onnx::Node& n, const std::string& why) const {
    throw IoError(StrCat(name_, ": node '", Label(n), "' (", n.op_type.empty() ? "no op type" : n.op_type,
                         "): ", why));
  }
  std::string Label(const onnx::Node& n) const { return n.name.empty() ? StrCat("#", index_) : n.name; }

  void CheckOpset() {
    std::optional<std::int64_t> opset;
    for (const onnx::OpsetId& id : m_.opsets) {
      if (id.domain.empty() || id.domain == "ai.onnx") opset = id.version;
    }
    if (!opset) Fail("no opset_import for the default ONNX domain (not an ONNX model?)");
    if (*opset < kMinOpset || *opset > kMaxOpset) {
      Fail(StrCat("opset ", *opset, " is not supported (", kMinOpset, " to ", kMaxOpset,
                  "; re-export with e.g. torch.onnx.export(..., opset_version=17))"));
    }
    out_.opset = *opset;
  }

  void ReadInput() {
    const onnx::ValueInfo* input = nullptr;
    for (const onnx::ValueInfo& v : m_.graph.inputs) {
      if (consts_.count(v.name)) continue;  // IR < 4 lists initializers as inputs too
      if (input) Fail(StrCat("graph has more than one input ('", input->name, "', '", v.name, "'); only one is supported"));
      input = &v;
    }
    if (!input) Fail("graph has no input");
    const std::string what = StrCat("input '", input->name, "'");
    if (!input->is_tensor) Fail(StrCat(what, " is not a tensor"));
    if (input->elem_type != onnx::kFloat) {
      Fail(StrCat(what, " has element type ", onnx::DataTypeName(input->elem_type), " (only FLOAT)"));
    }
    if (!input->has_shape) Fail(StrCat(what, " has no shape (dynamic rank is not supported)"));
    const auto rank = input->dims.size();
    if (rank != 2 && rank != 4) {
      Fail(StrCat(what, " has rank ", rank, "; expected [batch, features] or [batch, channels, height, width]"));
    }
    for (size_t d = 1; d < rank; ++d) {
      const onnx::Dim& dim = input->dims[d];
      if (!dim.has_value || dim.value <= 0) {
        Fail(StrCat(what, " dimension ", d, " is dynamic",
                    dim.param.empty() ? std::string() : " ('" + dim.param + "')",
                    "; only the batch dimension (0) may be dynamic"));
      }
      if (dim.value > kMaxExtent) Fail(StrCat(what, " dimension ", d, " = ", dim.value, " is too large"));
      shape_.push_back(static_cast<Index>(dim.value));
    }
    if (Product(shape_) > kMaxFeatures) Fail(StrCat(what, " ", ShapeText(shape_), " is too large"));
    if (input->dims[0].has_value && input->dims[0].value > 0) batch_ = input->dims[0].value;
    current_ = input->name;
    out_.input_shape = shape_;
  }

  // --- helpers on a node -------------------------------------------------------------------
  const onnx::Attribute* Attr(const onnx::Node& n, const char* name) const {
    for (const onnx::Attribute& a : n.attributes)
      if (a.name == name) return &a;
    return nullptr;
  }
  std::int64_t AttrInt(const onnx::Node& n, const char* name, std::int64_t fallback) const {
    const onnx::Attribute* a = Attr(n, name);
    if (!a) return fallback;
    if (a->type != onnx::kAttrInt) Fail(n, StrCat("attribute ", name, " has type ", onnx::AttributeTypeName(a->type), ", expected INT"));
    return a->i;
  }
  float AttrFloat(const onnx::Node& n, const char* name, float fallback) const {
    const onnx::Attribute* a = Attr(n, name);
    if (!a) return fallback;
    if (a->type != onnx::kAttrFloat) Fail(n, StrCat("attribute ", name, " has type ", onnx::AttributeTypeName(a->type), ", expected FLOAT"));
    return a->f;
  }
  std::vector<std::int64_t> AttrInts(const onnx::Node& n, const char* name, std::vector<std::int64_t> fallback) const {
    const onnx::Attribute* a = Attr(n, name);
    if (!a) return fallback;
    if (a->type != onnx::kAttrInts) Fail(n, StrCat("attribute ", name, " has type ", onnx::AttributeTypeName(a->type), ", expected INTS"));
    return a->ints;
  }
  std::string AttrString(const onnx::Node& n, const char* name, std::string fallback) const {
    const onnx::Attribute* a = Attr(n, name);
    if (!a) return fallback;
    if (a->type != onnx::kAttrString) Fail(n, StrCat("attribute ", name, " has type ", onnx::AttributeTypeName(a->type), ", expected STRING"));
    return a->s;
  }
  // Attributes a node may carry; any other is an error (a semantics we would silently drop).
  void OnlyAttrs(const onnx::Node& n, std::initializer_list<const char*> allowed) const {
    for (const onnx::Attribute& a : n.attributes) {
      if (std::none_of(allowed.begin(), allowed.end(), [&](const char* s) { return a.name == s; })) {
        Fail(n, StrCat("attribute '", a.name, "' is not supported"));
      }
    }
  }
  std::string Input(const onnx::Node& n, size_t i) const { return i < n.inputs.size() ? n.inputs[i] : std::string(); }

  // The constant (initializer or Constant output) named by input `i`, with checks.
  const onnx::Tensor& Const(const onnx::Node& n, size_t i, const char* role, int type) const {
    const std::string name = Input(n, i);
    if (name.empty()) Fail(n, StrCat("missing ", role, " input"));
    auto it = consts_.find(name);
    if (it == consts_.end()) {
      Fail(n, StrCat(role, " '", name, "' is not a constant (only weights stored in the file are supported)"));
    }
    const onnx::Tensor& t = *it->second;
    if (t.external) {
      Fail(n, StrCat(role, " '", name, "' is stored as external data; save the model with all tensors inside the file"));
    }
    if (t.data_type != type) {
      Fail(n, StrCat(role, " '", name, "' has data type ", onnx::DataTypeName(t.data_type), ", expected ",
                     onnx::DataTypeName(type)));
    }
    return t;
  }

  // The node's data input must be the running activation (a sequential chain).
  void TakeData(const onnx::Node& n) {
    const std::string in = Input(n, 0);
    if (in != current_) {
      if (consts_.count(in)) Fail(n, StrCat("data input '", in, "' is a constant, not the running activation"));
      Fail(n, StrCat("input '", in, "' is not the output of the previous layer ('", current_,
                     "'): only a sequential chain is supported (no branches or skip connections)"));
    }
    if (n.outputs.empty() || n.outputs[0].empty()) Fail(n, "has no output");
  }
  void Advance(const onnx::Node& n) {
    current_ = n.outputs[0];
    for (size_t i = 1; i < n.outputs.size(); ++i) {
      if (!n.outputs[i].empty()) extra_outputs_.emplace_back(n.outputs[i]);
    }
  }
  void NeedVector(const onnx::Node& n) const {
    if (shape_.size() != 1) Fail(n, StrCat("input is ", ShapeText(shape_), ", not a vector; add a Flatten before it"));
  }
  void NeedImage(const onnx::Node& n) const {
    if (shape_.size() != 3) Fail(n, StrCat("input is ", ShapeText(shape_), ", not [channels, height, width]"));
  }
  ImportedLayer& Emit(const onnx::Node& n, ImportedKind kind, ImportedShape out_shape) {
    ImportedLayer l;
    l.kind = kind;
    l.node = Label(n);
    l.op_type = n.op_type;
    l.in_shape = shape_;
    l.out_shape = std::move(out_shape);
    shape_ = l.out_shape;
    out_.layers.push_back(std::move(l));
    bias_open_ = false;
    return out_.layers.back();
  }

  // Spatial hyper-parameters shared by Conv and the pools.
  struct Window {
    Index kh = 0, kw = 0, sh = 1, sw = 1, ph = 0, pw = 0;
  };
  Window ReadWindow(const onnx::Node& n, std::vector<std::int64_t> kernel, bool allow_ceil) const {
    if (kernel.size() != 2) Fail(n, StrCat("kernel_shape ", IntsText(kernel), " is not 2-D"));
    const auto strides = AttrInts(n, "strides", {1, 1});
    auto pads = AttrInts(n, "pads", {0, 0, 0, 0});
    const auto dilations = AttrInts(n, "dilations", {1, 1});
    const std::string auto_pad = AttrString(n, "auto_pad", "NOTSET");
    if (pad_) {  // a Pad node right before: its zeros become this window's padding
      if (pads != std::vector<std::int64_t>{0, 0, 0, 0} || (auto_pad != "NOTSET" && !auto_pad.empty())) {
        Fail(n, StrCat("follows the Pad node '", pad_->node, "' but has padding of its own (not supported)"));
      }
      pads = {pad_->h, pad_->w, pad_->h, pad_->w};
    }
    if (auto_pad == "VALID") {
      pads = {0, 0, 0, 0};
    } else if (auto_pad != "NOTSET" && !auto_pad.empty()) {
      Fail(n, StrCat("auto_pad = ", auto_pad, " is not supported (use explicit symmetric pads)"));
    }
    if (strides.size() != 2) Fail(n, StrCat("strides ", IntsText(strides), " is not 2-D"));
    if (pads.size() != 4) Fail(n, StrCat("pads ", IntsText(pads), " must have 4 entries"));
    if (dilations.size() != 2 || dilations[0] != 1 || dilations[1] != 1) {
      Fail(n, StrCat("dilations ", IntsText(dilations), " are not supported (only 1)"));
    }
    if (pads[0] != pads[2] || pads[1] != pads[3]) {
      Fail(n, StrCat("asymmetric pads ", IntsText(pads), " are not supported (top = bottom, left = right)"));
    }
    const std::int64_t largest = std::max({kernel[0], kernel[1], strides[0], strides[1], pads[0], pads[1]});
    if (largest > kMaxExtent) Fail(n, StrCat("window parameter ", largest, " is too large"));
    Window w{kernel[0], kernel[1], strides[0], strides[1], pads[0], pads[1]};
    if (w.kh < 1 || w.kw < 1) Fail(n, StrCat("kernel_shape ", IntsText(kernel), " must be >= 1"));
    if (w.sh < 1 || w.sw < 1) Fail(n, StrCat("strides ", IntsText(strides), " must be >= 1"));
    if (w.ph < 0 || w.pw < 0) Fail(n, StrCat("pads ", IntsText(pads), " must be >= 0"));
    const Index h = shape_[1] + 2 * w.ph - w.kh, wd = shape_[2] + 2 * w.pw - w.kw;
    if (h < 0 || wd < 0) {
      Fail(n, StrCat("kernel ", w.kh, "x", w.kw, " is larger than the padded input ", ShapeText(shape_)));
    }
    if (AttrInt(n, "ceil_mode", 0) != 0) {
      if (!allow_ceil) Fail(n, "ceil_mode is not supported");
      if (h % w.sh != 0 || wd % w.sw != 0) {
        Fail(n, "ceil_mode = 1 changes the output size here; only floor mode is supported");
      }
    }
    return w;
  }
  ImportedShape WindowOut(Index channels, const Window& w) const {
    return {channels, (shape_[1] + 2 * w.ph - w.kh) / w.sh + 1, (shape_[2] + 2 * w.pw - w.kw) / w.sw + 1};
  }

  // --- ops ---------------------------------------------------------------------------------
  void Gemm(const onnx::Node& n) {
    OnlyAttrs(n, {"alpha", "beta", "transA", "transB"});
    TakeData(n);
    NeedVector(n);
    if (AttrInt(n, "transA", 0) != 0) Fail(n, "transA = 1 is not supported (the input must be batch x features)");
    const std::int64_t trans_b = AttrInt(n, "transB", 0);
    const float alpha = AttrFloat(n, "alpha", 1.0f), beta = AttrFloat(n, "beta", 1.0f);
    const onnx::Tensor& b = Const(n, 1, "weight", onnx::kFloat);
    if (b.dims.size() != 2) Fail(n, StrCat("weight '", b.name, "' has dims ", IntsText(b.dims), ", expected 2-D"));
    Matrix w = DenseWeights(n, b, trans_b != 0);
    if (alpha != 1.0f) w *= alpha;
    Vector bias = Vector::Zero(w.rows());
    if (!Input(n, 2).empty()) {
      const onnx::Tensor& c = Const(n, 2, "bias", onnx::kFloat);
      bias = BiasVector(n, c, w.rows(), "C");
      if (beta != 1.0f) bias *= beta;
    }
    ImportedLayer& l = Emit(n, ImportedKind::kDense, {w.rows()});
    l.weights = std::move(w);
    l.bias = std::move(bias);
    bias_open_ = true;
    Advance(n);
  }

  // B is in x out (MatMul, Gemm transB = 0) or out x in (transB = 1): returns out x in.
  Matrix DenseWeights(const onnx::Node& n, const onnx::Tensor& b, bool out_by_in) const {
    const Index rows = b.dims[0], cols = b.dims[1];
    const Index in = out_by_in ? cols : rows;
    const Index out = out_by_in ? rows : cols;
    if (in != shape_[0]) {
      Fail(n, StrCat("weight '", b.name, "' ", IntsText(b.dims), " takes ", in, " inputs, but the input has ", shape_[0]));
    }
    if (out < 1) Fail(n, StrCat("weight '", b.name, "' has no outputs"));
    // The data are row-major rows x cols; an Eigen row-major map of them is B itself.
    using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const Eigen::Map<const RowMajor> m(b.floats.data(), rows, cols);
    return out_by_in ? Matrix(m) : Matrix(m.transpose());
  }

  Vector BiasVector(const onnx::Node& n, const onnx::Tensor& c, Index out, const char* role) const {
    const std::int64_t count = c.Count();
    // Shapes that broadcast per output unit: [out], [1, out], or for conv [out, 1, 1], [1, out, 1, 1].
    std::vector<std::int64_t> squeezed;
    for (const std::int64_t d : c.dims)
      if (d != 1) squeezed.push_back(d);
    if (count == 1) return Vector::Constant(out, c.floats[0]);
    if (count != out || squeezed.size() != 1) {
      Fail(n, StrCat(role, " '", c.name, "' has dims ", IntsText(c.dims), "; expected one value per output (", out, ")"));
    }
    return Eigen::Map<const Vector>(c.floats.data(), out);
  }

  void MatMul(const onnx::Node& n) {
    OnlyAttrs(n, {});
    TakeData(n);
    NeedVector(n);
    const onnx::Tensor& b = Const(n, 1, "weight", onnx::kFloat);
    if (b.dims.size() != 2) Fail(n, StrCat("weight '", b.name, "' has dims ", IntsText(b.dims), ", expected 2-D"));
    Matrix w = DenseWeights(n, b, false);
    ImportedLayer& l = Emit(n, ImportedKind::kDense, {w.rows()});
    l.bias = Vector::Zero(w.rows());
    l.weights = std::move(w);
    bias_open_ = true;
    Advance(n);
  }

  // Add of a constant right after Gemm / MatMul / Conv: folded into that layer's bias.
  void Add(const onnx::Node& n) {
    OnlyAttrs(n, {});
    if (n.inputs.size() != 2) Fail(n, "expected two inputs");
    const size_t data = n.inputs[0] == current_ ? 0 : 1;
    const size_t other = 1 - data;
    if (n.inputs[data] != current_) {
      Fail(n, StrCat("neither input is the output of the previous layer ('", current_, "')"));
    }
    if (!consts_.count(n.inputs[other])) {
      Fail(n, "adds two activations (a skip connection); only a constant bias after Gemm / MatMul / Conv is supported");
    }
    if (!bias_open_) Fail(n, "only a bias Add directly after Gemm, MatMul or Conv is supported");
    const onnx::Tensor& c = Const(n, other, "bias", onnx::kFloat);
    ImportedLayer& l = out_.layers.back();
    l.bias += BiasVector(n, c, l.bias.size(), "bias");
    if (n.outputs.empty() || n.outputs[0].empty()) Fail(n, "has no output");
    bias_open_ = false;
    Advance(n);
  }

  void Conv(const onnx::Node& n) {
    OnlyAttrs(n, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
    TakeData(n);
    NeedImage(n);
    if (AttrInt(n, "group", 1) != 1) Fail(n, StrCat("group = ", AttrInt(n, "group", 1), " is not supported (only 1)"));
    const onnx::Tensor& wt = Const(n, 1, "weight", onnx::kFloat);
    if (wt.dims.size() != 4) Fail(n, StrCat("weight '", wt.name, "' has dims ", IntsText(wt.dims), "; only 2-D convolution (4-D weights) is supported"));
    const auto kernel = AttrInts(n, "kernel_shape", {wt.dims[2], wt.dims[3]});
    if (kernel.size() != 2 || kernel[0] != wt.dims[2] || kernel[1] != wt.dims[3]) {
      Fail(n, StrCat("kernel_shape ", IntsText(kernel), " does not match weight dims ", IntsText(wt.dims)));
    }
    if (wt.dims[1] != shape_[0]) {
      Fail(n, StrCat("weight '", wt.name, "' ", IntsText(wt.dims), " expects ", wt.dims[1], " input channels, the input has ", shape_[0]));
    }
    const Window w = ReadWindow(n, kernel, false);
    const Index out_ch = wt.dims[0], cols = wt.dims[1] * wt.dims[2] * wt.dims[3];
    if (out_ch < 1) Fail(n, "weight has no output channels");
    using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    Matrix weights = Eigen::Map<const RowMajor>(wt.floats.data(), out_ch, cols);
    Vector bias = Vector::Zero(out_ch);
    if (!Input(n, 2).empty()) bias = BiasVector(n, Const(n, 2, "bias", onnx::kFloat), out_ch, "bias");
    const Index in_ch = shape_[0];
    ImportedLayer& l = Emit(n, ImportedKind::kConv2d, WindowOut(out_ch, w));
    l.weights = std::move(weights);
    l.bias = std::move(bias);
    l.in_channels = in_ch;
    l.out_channels = out_ch;
    SetWindow(l, w);
    pad_.reset();
    bias_open_ = true;
    Advance(n);
  }

  // Pad with zeros on the spatial axes, as torch.onnx.export writes before AveragePool
  // (AvgPool2d, even with no padding) or for explicit F.pad: all-zero pads are a no-op,
  // other pads become the padding of the Conv or AveragePool that must follow.
  void Pad(const onnx::Node& n) {
    OnlyAttrs(n, {"mode"});
    TakeData(n);
    NeedImage(n);
    const std::string mode = AttrString(n, "mode", "constant");
    if (mode != "constant") Fail(n, StrCat("mode = ", mode, " is not supported (only constant zeros)"));
    if (!Input(n, 2).empty()) {
      const onnx::Tensor& v = Const(n, 2, "constant_value", onnx::kFloat);
      if (v.floats.size() != 1 || v.floats[0] != 0.0f) Fail(n, "a constant_value other than 0 is not supported");
    }
    if (!Input(n, 3).empty()) Fail(n, "the axes input is not supported");
    const std::vector<std::int64_t> p = IntsOf(n, 1, "pads").v;
    // [N, C, H, W] begins then ends
    if (p.size() != 8 || p[0] != 0 || p[1] != 0 || p[4] != 0 || p[5] != 0 || p[2] != p[6] || p[3] != p[7] ||
        p[2] < 0 || p[3] < 0) {
      Fail(n, StrCat("pads ", IntsText(p), " are not supported (only equal, non-negative padding of height and "
                     "width: [0, 0, h, w, 0, 0, h, w])"));
    }
    if (std::max(p[2], p[3]) > kMaxExtent) Fail(n, StrCat("pads ", IntsText(p), " are too large"));
    if (p[2] != 0 || p[3] != 0) pad_ = PendingPad{Label(n), p[2], p[3]};
    Advance(n);
  }

  static void SetWindow(ImportedLayer& l, const Window& w) {
    l.kernel_h = w.kh;
    l.kernel_w = w.kw;
    l.stride_h = w.sh;
    l.stride_w = w.sw;
    l.pad_h = w.ph;
    l.pad_w = w.pw;
  }

  void Pool(const onnx::Node& n, bool max) {
    if (max) {
      OnlyAttrs(n, {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
    } else {
      OnlyAttrs(n, {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
    }
    TakeData(n);
    NeedImage(n);
    if (n.outputs.size() > 1 && !n.outputs[1].empty()) Fail(n, "the Indices output is not supported");
    if (!Attr(n, "kernel_shape")) Fail(n, "attribute kernel_shape is missing");
    const Window w = ReadWindow(n, AttrInts(n, "kernel_shape", {}), true);
    const Index channels = shape_[0];
    ImportedLayer& l = Emit(n, max ? ImportedKind::kMaxPool2d : ImportedKind::kAvgPool2d, WindowOut(channels, w));
    l.in_channels = l.out_channels = channels;
    SetWindow(l, w);
    // Zeros from a Pad node are data to AveragePool: they count in the divisor.
    if (!max) l.count_include_pad = pad_ || AttrInt(n, "count_include_pad", 0) != 0;
    pad_.reset();
    Advance(n);
  }

  void Activation(const onnx::Node& n, ImportedKind kind) {
    OnlyAttrs(n, {});
    TakeData(n);
    Emit(n, kind, shape_);
    Advance(n);
  }

  void Flatten(const onnx::Node& n) {
    OnlyAttrs(n, {"axis"});
    TakeData(n);
    const auto rank = static_cast<std::int64_t>(shape_.size()) + 1;
    std::int64_t axis = AttrInt(n, "axis", 1);
    if (axis < 0) axis += rank;
    if (axis != 1) Fail(n, StrCat("axis = ", AttrInt(n, "axis", 1), " is not supported (only 1: one vector per sample)"));
    if (shape_.size() > 1) Emit(n, ImportedKind::kFlatten, {Product(shape_)});
    Advance(n);
  }

  void Reshape(const onnx::Node& n) {
    OnlyAttrs(n, {"allowzero"});
    TakeData(n);
    const std::vector<std::int64_t> t = IntsOf(n, 1, "shape").v;
    const Index features = Product(shape_);
    const bool allow_zero = AttrInt(n, "allowzero", 0) != 0;
    auto fail = [&] {
      Fail(n, StrCat("Reshape to ", IntsText(t), " is not a flatten to one vector per sample ([batch, ", features,
                     "], e.g. [-1, ", features, "] or [0, -1])"));
    };
    if (t.size() != 2 || (allow_zero && (t[0] == 0 || t[1] == 0))) fail();
    const bool batch_ok = t[0] == 0 || t[0] == kBatch || (t[0] == -1 && t[1] != -1) || (batch_ && t[0] == *batch_);
    const bool features_ok = t[1] == features || (t[1] == -1 && t[0] != -1) || (t[1] == 0 && shape_.size() == 1);
    if (!batch_ok || !features_ok) fail();
    if (shape_.size() > 1) Emit(n, ImportedKind::kFlatten, {features});
    Advance(n);
  }

  // --- integer shape values computed in the graph ------------------------------------------
  struct Ints {
    std::vector<std::int64_t> v;
    bool scalar = false;
  };
  // Input `i` as integers: a computed shape value or an INT64 constant.
  Ints IntsOf(const onnx::Node& n, size_t i, const char* role) const {
    if (auto it = shape_values_.find(Input(n, i)); it != shape_values_.end()) return it->second;
    const onnx::Tensor& t = Const(n, i, role, onnx::kInt64);
    if (t.dims.size() > 1) Fail(n, StrCat(role, " '", t.name, "' has dims ", IntsText(t.dims), "; expected a scalar or a list"));
    return {t.ints, t.dims.empty()};
  }
  bool IsIntValue(const std::string& name) const {
    if (shape_values_.count(name)) return true;
    auto it = consts_.find(name);
    return it != consts_.end() && it->second->data_type == onnx::kInt64;
  }
  void SetIntValue(const onnx::Node& n, Ints v) {
    if (n.outputs.size() != 1 || n.outputs[0].empty()) Fail(n, "expected one output");
    shape_values_[n.outputs[0]] = std::move(v);
  }

  void Shape(const onnx::Node& n) {
    OnlyAttrs(n, {});
    if (Input(n, 0) != current_) Fail(n, StrCat("takes the shape of '", Input(n, 0), "', not of the running activation"));
    Ints v;
    v.v.push_back(kBatch);
    v.v.insert(v.v.end(), shape_.begin(), shape_.end());
    SetIntValue(n, std::move(v));
  }

  void Gather(const onnx::Node& n) {
    OnlyAttrs(n, {"axis"});
    if (AttrInt(n, "axis", 0) != 0) Fail(n, "axis must be 0 on a shape value");
    const Ints data = IntsOf(n, 0, "data"), idx = IntsOf(n, 1, "indices");
    if (data.scalar) Fail(n, "gathers from a scalar");
    Ints out;
    out.scalar = idx.scalar;
    for (std::int64_t k : idx.v) {
      const auto size = static_cast<std::int64_t>(data.v.size());
      if (k < 0) k += size;
      if (k < 0 || k >= size) Fail(n, StrCat("index ", k, " out of range for a shape of ", size, " values"));
      out.v.push_back(data.v[static_cast<size_t>(k)]);
    }
    SetIntValue(n, std::move(out));
  }

  void Unsqueeze(const onnx::Node& n) {
    OnlyAttrs(n, {"axes"});
    const Ints data = IntsOf(n, 0, "data");
    const std::vector<std::int64_t> axes = Attr(n, "axes") ? AttrInts(n, "axes", {}) : IntsOf(n, 1, "axes").v;
    if (!data.scalar || axes != std::vector<std::int64_t>{0}) {
      Fail(n, "only a scalar shape value unsqueezed on axis 0 is supported");
    }
    SetIntValue(n, {data.v, false});
  }

  void Concat(const onnx::Node& n) {
    OnlyAttrs(n, {"axis"});
    if (AttrInt(n, "axis", 0) != 0) Fail(n, "axis must be 0 on shape values");
    Ints out;
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const Ints part = IntsOf(n, i, "input");
      if (part.scalar) Fail(n, "concatenates a scalar");
      out.v.insert(out.v.end(), part.v.begin(), part.v.end());
    }
    SetIntValue(n, std::move(out));
  }

  void Softmax(const onnx::Node& n) {
    OnlyAttrs(n, {"axis"});
    TakeData(n);
    if (shape_.size() != 1) Fail(n, StrCat("applies to ", ShapeText(shape_), "; only to the vector of class scores"));
    const std::int64_t axis = AttrInt(n, "axis", out_.opset >= 13 ? -1 : 1);
    if (axis != 1 && axis != -1) Fail(n, StrCat("axis = ", axis, " is not the class axis"));
    softmax_ = Label(n);
    Advance(n);
  }

  void Constant(const onnx::Node& n) {
    if (n.attributes.size() != 1 || n.outputs.size() != 1) Fail(n, "expected one attribute and one output");
    const onnx::Attribute& a = n.attributes[0];
    auto t = std::make_unique<onnx::Tensor>();
    if (a.name == "value" && a.type == onnx::kAttrTensor) {
      *t = a.t;
    } else if (a.name == "value_ints" && a.type == onnx::kAttrInts) {
      t->data_type = onnx::kInt64;
      t->dims = {static_cast<std::int64_t>(a.ints.size())};
      t->ints = a.ints;
    } else if (a.name == "value_int" && a.type == onnx::kAttrInt) {
      t->data_type = onnx::kInt64;
      t->ints = {a.i};
    } else if (a.name == "value_float" && a.type == onnx::kAttrFloat) {
      t->data_type = onnx::kFloat;
      t->floats = {a.f};
    } else {
      Fail(n, StrCat("attribute '", a.name, "' (", onnx::AttributeTypeName(a.type), ") is not supported"));
    }
    t->name = n.outputs[0];
    consts_[t->name] = t.get();
    owned_.push_back(std::move(t));
  }

  void Lower(const onnx::Node& n, size_t k) {
    index_ = k;
    if (!n.domain.empty() && n.domain != "ai.onnx") Fail(n, StrCat("operator domain '", n.domain, "' is not supported"));
    const std::string& op = n.op_type;
    if (op == "Constant") return Constant(n);
    if (!softmax_.empty()) {
      Fail(n, StrCat("follows the ", "Softmax/LogSoftmax node '", softmax_, "', which is only supported as the last node"));
    }
    if (op == "Gemm") return Gemm(n);
    if (op == "MatMul") return MatMul(n);
    if (op == "Add") return Add(n);
    if (pad_ && op != "Conv" && op != "AveragePool") {
      Fail(n, StrCat("follows the Pad node '", pad_->node, "' with pads ", pad_->h, "x", pad_->w,
                     "; a nonzero Pad is only supported right before Conv or AveragePool"));
    }
    if (op == "Pad") return Pad(n);
    if (op == "Conv") return Conv(n);
    if (op == "Relu") return Activation(n, ImportedKind::kRelu);
    if (op == "Sigmoid") return Activation(n, ImportedKind::kSigmoid);
    if (op == "Tanh") return Activation(n, ImportedKind::kTanh);
    if (op == "MaxPool") return Pool(n, true);
    if (op == "AveragePool") return Pool(n, false);
    if (op == "Flatten") return Flatten(n);
    if (op == "Reshape") return Reshape(n);
    if (op == "Softmax" || op == "LogSoftmax") return Softmax(n);
    // Shape arithmetic (as x.view(x.size(0), -1) exports): only on integer shape values.
    if (op == "Shape") return Shape(n);
    if ((op == "Gather" || op == "Unsqueeze" || op == "Concat") && !n.inputs.empty() && IsIntValue(n.inputs[0])) {
      if (op == "Gather") return Gather(n);
      if (op == "Unsqueeze") return Unsqueeze(n);
      return Concat(n);
    }
    if (op == "Identity") {
      if (auto it = consts_.find(Input(n, 0)); it != consts_.end() && n.outputs.size() == 1) {
        consts_[n.outputs[0]] = it->second;  // an alias of a weight (PyTorch emits these)
        return;
      }
      TakeData(n);
      return Advance(n);
    }
    if (op == "Dropout") {  // inference: the identity
      TakeData(n);
      if (!Input(n, 2).empty()) Fail(n, "the training_mode input is not supported (export in eval mode)");
      return Advance(n);
    }
    std::string hint;
    if (op == "BatchNormalization") hint = "; fold it into the preceding Conv/Gemm (export in eval mode) or remove it";
    if (op == "Gather" || op == "Concat" || op == "Unsqueeze") hint = "; only on shape values feeding a Reshape";
    Fail(n, StrCat("operator not supported (supported: Gemm, MatMul, Add (bias), Conv, Relu, Sigmoid, Tanh, MaxPool, "
                   "AveragePool, Pad (zeros), Flatten, Reshape, Softmax, LogSoftmax, Identity, Dropout, Constant; Shape, Gather, Unsqueeze, "
                   "Concat on shape values)", hint));
  }

  void Finish() {
    if (pad_) Fail(StrCat("the Pad node '", pad_->node, "' is the last node; it must feed a Conv or AveragePool"));
    const auto& outs = m_.graph.outputs;
    if (outs.size() != 1) Fail(StrCat("graph has ", outs.size(), " outputs; exactly one (the class scores) is supported"));
    const onnx::ValueInfo& y = outs[0];
    if (y.name != current_) {
      Fail(StrCat("graph output '", y.name, "' is not the end of the layer chain ('", current_, "')"));
    }
    if (out_.layers.empty() || std::none_of(out_.layers.begin(), out_.layers.end(), [](const ImportedLayer& l) {
          return l.kind == ImportedKind::kDense || l.kind == ImportedKind::kConv2d;
        })) {
      Fail("the graph has no weighted layer (Gemm, MatMul or Conv)");
    }
    if (shape_.size() != 1) Fail(StrCat("graph output '", y.name, "' is ", ShapeText(shape_), ", not a vector of class scores"));
    if (y.has_shape && y.dims.size() == 2 && y.dims[1].has_value && y.dims[1].value != shape_[0]) {
      Fail(StrCat("graph output '", y.name, "' declares ", y.dims[1].value, " values per sample, the layers give ", shape_[0]));
    }
  }

  const onnx::Model& m_;
  std::string name_;
  ImportedModel out_;
  std::map<std::string, const onnx::Tensor*> consts_;
  std::map<std::string, Ints> shape_values_;  // integer values computed by shape nodes
  std::vector<std::unique_ptr<onnx::Tensor>> owned_;  // Constant node outputs
  std::vector<std::string> extra_outputs_;
  std::string current_;       // the running activation tensor
  ImportedShape shape_;         // its per-sample shape
  std::optional<std::int64_t> batch_;  // fixed batch size of the input, if not dynamic
  struct PendingPad {
    std::string node;
    std::int64_t h = 0, w = 0;
  };
  std::optional<PendingPad> pad_;  // a nonzero Pad waiting for its Conv / AveragePool
  bool bias_open_ = false;    // the last layer is weighted and may take an Add bias
  std::string softmax_;       // the Softmax node seen, if any
  size_t index_ = 0;          // index of the node being lowered
};

}  // namespace

const char* ImportedKindName(ImportedKind kind) {
  switch (kind) {
    case ImportedKind::kDense: return "dense";
    case ImportedKind::kConv2d: return "conv2d";
    case ImportedKind::kMaxPool2d: return "maxpool2d";
    case ImportedKind::kAvgPool2d: return "avgpool2d";
    case ImportedKind::kFlatten: return "flatten";
    case ImportedKind::kRelu: return "relu";
    case ImportedKind::kSigmoid: return "sigmoid";
    case ImportedKind::kTanh: return "tanh";
  }
  return "unknown";
}

std::string ShapeText(const ImportedShape& s) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << ']';
  return os.str();
}

Index ImportedModel::Outputs() const { return layers.empty() ? 0 : layers.back().out_shape.at(0); }

ImportedModel ParseOnnx(std::span<const std::uint8_t> bytes, const std::string& name) {
  onnx::Model model;
  try {
    model = onnx::DecodeModel(bytes);
  } catch (const WireError& e) {
    throw IoError(StrCat(name, ": malformed ONNX (protobuf) data: ", e.what()));
  } catch (const IoError& e) {
    throw IoError(StrCat(name, ": ", e.what()));
  }
  return Lowering(model, name).Run();
}

ImportedModel ReadOnnx(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw IoError(StrCat(name, ": no such file"));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(StrCat(name, ": cannot open (unreadable)"));
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw IoError(StrCat(name, ": read error"));
  return ParseOnnx(bytes, name);
}

}  // namespace pcmsim::io
