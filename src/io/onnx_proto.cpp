// Schema-aware decoding of the ONNX subset; field numbers are those of onnx.proto.
#include "onnx_proto.hpp"

#include <cstring>
#include <limits>

#include "pcmsim/io/protobuf_wire.hpp"

namespace pcmsim::io::onnx {
namespace {

// Bound on a tensor's element count: far above any model pcmsim can simulate, far below
// overflow, so products of dims can be checked step by step.
constexpr std::int64_t kMaxElements = std::int64_t{1} << 40;

std::uint64_t LittleEndian(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

Tensor DecodeTensor(const WireReader& parent, std::span<const std::uint8_t> msg) {
  Tensor t;
  WireReader r = parent.Child(msg);
  std::span<const std::uint8_t> raw;
  bool has_raw = false;
  std::vector<std::int64_t> int32_data;
  WireField f;
  while (r.Next(f)) {
    switch (f.number) {
      case 1: f.AppendInt64s("TensorProto.dims", t.dims); break;
      case 2: t.data_type = static_cast<int>(f.Int64("TensorProto.data_type")); break;
      case 4: f.AppendFloats("TensorProto.float_data", t.floats); break;
      case 5: f.AppendInt64s("TensorProto.int32_data", int32_data); break;
      case 7: f.AppendInt64s("TensorProto.int64_data", t.ints); break;
      case 8: t.name = std::string(f.String("TensorProto.name")); break;
      case 9:
        raw = f.Message("TensorProto.raw_data");
        has_raw = true;
        break;
      case 13:
        f.Message("TensorProto.external_data");
        t.external = true;
        break;
      case 14:
        if (f.Int64("TensorProto.data_location") == 1) t.external = true;
        break;
      default: break;  // segment, strings, doubles, doc_string: not used by pcmsim
    }
  }
  const std::string label = t.name.empty() ? std::string("(unnamed tensor)") : "'" + t.name + "'";
  std::int64_t count = 1;
  for (const std::int64_t d : t.dims) {
    if (d < 0) throw IoError(StrCat("tensor ", label, " has a negative dimension ", d));
    if (d != 0 && count > kMaxElements / d) throw IoError(StrCat("tensor ", label, " is too large"));
    count *= d;
  }
  if (t.external) return t;
  if (t.data_type == kInt32) {
    t.ints.insert(t.ints.end(), int32_data.begin(), int32_data.end());
  }
  if (has_raw) {
    int width = 0;
    if (t.data_type == kFloat || t.data_type == kInt32) width = 4;
    if (t.data_type == kInt64) width = 8;
    if (width != 0) {
      if (raw.size() != static_cast<std::size_t>(count) * static_cast<std::size_t>(width)) {
        throw IoError(StrCat("tensor ", label, " has ", raw.size(), " bytes of raw data, but its dims need ",
                             count, " x ", width));
      }
      const auto n = static_cast<std::size_t>(count);
      if (t.data_type == kFloat) {
        t.floats.resize(n);
        for (std::size_t k = 0; k < n; ++k) {
          const auto bits = static_cast<std::uint32_t>(LittleEndian(raw.data() + 4 * k, 4));
          std::memcpy(&t.floats[k], &bits, sizeof(float));
        }
      } else {
        t.ints.resize(n);
        for (std::size_t k = 0; k < n; ++k) {
          const std::uint64_t v = LittleEndian(raw.data() + static_cast<std::size_t>(width) * k, width);
          t.ints[k] = width == 4 ? std::int64_t{static_cast<std::int32_t>(static_cast<std::uint32_t>(v))}
                                 : static_cast<std::int64_t>(v);
        }
      }
    }
  }
  const std::size_t have = t.data_type == kFloat ? t.floats.size()
                           : (t.data_type == kInt64 || t.data_type == kInt32) ? t.ints.size()
                                                                              : static_cast<std::size_t>(count);
  if (have != static_cast<std::size_t>(count)) {
    throw IoError(StrCat("tensor ", label, " holds ", have, " values, but its dims need ", count));
  }
  return t;
}

Attribute DecodeAttribute(const WireReader& parent, std::span<const std::uint8_t> msg) {
  Attribute a;
  WireReader r = parent.Child(msg);
  WireField f;
  int seen = kAttrUndefined;
  while (r.Next(f)) {
    switch (f.number) {
      case 1: a.name = std::string(f.String("AttributeProto.name")); break;
      case 2: a.f = f.Float("AttributeProto.f"); seen = kAttrFloat; break;
      case 3: a.i = f.Int64("AttributeProto.i"); seen = kAttrInt; break;
      case 4: a.s = std::string(f.String("AttributeProto.s")); seen = kAttrString; break;
      case 5: a.t = DecodeTensor(r, f.Message("AttributeProto.t")); seen = kAttrTensor; break;
      case 6: f.Message("AttributeProto.g"); seen = kAttrGraph; break;
      case 7: f.AppendFloats("AttributeProto.floats", a.floats); seen = kAttrFloats; break;
      case 8: f.AppendInt64s("AttributeProto.ints", a.ints); seen = kAttrInts; break;
      case 9: f.Message("AttributeProto.strings"); seen = kAttrStrings; break;
      case 20: a.type = static_cast<int>(f.Int64("AttributeProto.type")); break;
      default: break;
    }
  }
  if (a.type == kAttrUndefined) a.type = seen;
  return a;
}

Node DecodeNode(const WireReader& parent, std::span<const std::uint8_t> msg) {
  Node n;
  WireReader r = parent.Child(msg);
  WireField f;
  while (r.Next(f)) {
    switch (f.number) {
      case 1: n.inputs.emplace_back(f.String("NodeProto.input")); break;
      case 2: n.outputs.emplace_back(f.String("NodeProto.output")); break;
      case 3: n.name = std::string(f.String("NodeProto.name")); break;
      case 4: n.op_type = std::string(f.String("NodeProto.op_type")); break;
      case 5: n.attributes.push_back(DecodeAttribute(r, f.Message("NodeProto.attribute"))); break;
      case 7: n.domain = std::string(f.String("NodeProto.domain")); break;
      default: break;
    }
  }
  return n;
}

void DecodeShape(const WireReader& parent, std::span<const std::uint8_t> msg, ValueInfo& v) {
  v.has_shape = true;
  WireReader r = parent.Child(msg);
  WireField f;
  while (r.Next(f)) {
    if (f.number != 1) continue;
    Dim d;
    WireReader dr = r.Child(f.Message("TensorShapeProto.dim"));
    WireField g;
    while (dr.Next(g)) {
      if (g.number == 1) {
        d.has_value = true;
        d.value = g.Int64("Dimension.dim_value");
      } else if (g.number == 2) {
        d.param = std::string(g.String("Dimension.dim_param"));
      }
    }
    v.dims.push_back(std::move(d));
  }
}

ValueInfo DecodeValueInfo(const WireReader& parent, std::span<const std::uint8_t> msg) {
  ValueInfo v;
  WireReader r = parent.Child(msg);
  WireField f;
  while (r.Next(f)) {
    if (f.number == 1) {
      v.name = std::string(f.String("ValueInfoProto.name"));
    } else if (f.number == 2) {
      WireReader tr = r.Child(f.Message("ValueInfoProto.type"));
      WireField g;
      while (tr.Next(g)) {
        if (g.number != 1) continue;  // sequence, map, optional, sparse: not a dense tensor
        v.is_tensor = true;
        WireReader ttr = tr.Child(g.Message("TypeProto.tensor_type"));
        WireField h;
        while (ttr.Next(h)) {
          if (h.number == 1) v.elem_type = static_cast<int>(h.Int64("TypeProto.Tensor.elem_type"));
          if (h.number == 2) DecodeShape(ttr, h.Message("TypeProto.Tensor.shape"), v);
        }
      }
    }
  }
  return v;
}

Graph DecodeGraph(const WireReader& parent, std::span<const std::uint8_t> msg) {
  Graph g;
  WireReader r = parent.Child(msg);
  WireField f;
  while (r.Next(f)) {
    switch (f.number) {
      case 1: g.nodes.push_back(DecodeNode(r, f.Message("GraphProto.node"))); break;
      case 5: g.initializers.push_back(DecodeTensor(r, f.Message("GraphProto.initializer"))); break;
      case 11: g.inputs.push_back(DecodeValueInfo(r, f.Message("GraphProto.input"))); break;
      case 12: g.outputs.push_back(DecodeValueInfo(r, f.Message("GraphProto.output"))); break;
      case 15: f.Message("GraphProto.sparse_initializer"); ++g.sparse_initializers; break;
      default: break;
    }
  }
  return g;
}

}  // namespace

std::int64_t Tensor::Count() const {
  std::int64_t c = 1;
  for (const std::int64_t d : dims) c *= d;
  return c;
}

const char* DataTypeName(int type) {
  static constexpr const char* kNames[] = {"UNDEFINED", "FLOAT", "UINT8",  "INT8",   "UINT16",    "INT16",
                                           "INT32",     "INT64", "STRING", "BOOL",   "FLOAT16",   "DOUBLE",
                                           "UINT32",    "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16"};
  if (type >= 0 && type < static_cast<int>(std::size(kNames))) return kNames[type];
  return "unknown";
}

const char* AttributeTypeName(int type) {
  static constexpr const char* kNames[] = {"UNDEFINED", "FLOAT", "INT",    "STRING", "TENSOR",
                                           "GRAPH",     "FLOATS", "INTS", "STRINGS", "TENSORS", "GRAPHS"};
  if (type >= 0 && type < static_cast<int>(std::size(kNames))) return kNames[type];
  return "unknown";
}

Model DecodeModel(std::span<const std::uint8_t> bytes) {
  Model m;
  WireReader r(bytes);
  WireField f;
  while (r.Next(f)) {
    switch (f.number) {
      case 1: m.ir_version = f.Int64("ModelProto.ir_version"); break;
      case 2: m.producer_name = std::string(f.String("ModelProto.producer_name")); break;
      case 3: m.producer_version = std::string(f.String("ModelProto.producer_version")); break;
      case 7:
        m.graph = DecodeGraph(r, f.Message("ModelProto.graph"));
        m.has_graph = true;
        break;
      case 8: {
        OpsetId id;
        WireReader orr = r.Child(f.Message("ModelProto.opset_import"));
        WireField g;
        while (orr.Next(g)) {
          if (g.number == 1) id.domain = std::string(g.String("OperatorSetIdProto.domain"));
          if (g.number == 2) id.version = g.Int64("OperatorSetIdProto.version");
        }
        m.opsets.push_back(std::move(id));
        break;
      }
      default: break;
    }
  }
  return m;
}

}  // namespace pcmsim::io::onnx
