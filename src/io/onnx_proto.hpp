// The subset of the ONNX protobuf schema (onnx.proto, IR version 3-8) that pcmsim reads,
// decoded into plain structs by a schema-aware walk over the wire format. Fields outside
// the subset are skipped; fields inside it with the wrong wire type are errors.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace pcmsim::io::onnx {

// TensorProto.DataType values used here.
enum DataType : int { kUndefined = 0, kFloat = 1, kInt32 = 6, kInt64 = 7, kDouble = 11 };
const char* DataTypeName(int type);

// AttributeProto.AttributeType values.
enum AttributeType : int { kAttrUndefined = 0, kAttrFloat = 1, kAttrInt = 2, kAttrString = 3, kAttrTensor = 4,
                           kAttrGraph = 5, kAttrFloats = 6, kAttrInts = 7, kAttrStrings = 8 };
const char* AttributeTypeName(int type);

struct Tensor {
  std::string name;
  std::vector<std::int64_t> dims;
  int data_type = kUndefined;
  std::vector<float> floats;        // FLOAT data (from float_data or raw_data)
  std::vector<std::int64_t> ints;   // INT64 / INT32 data (from int64_data, int32_data or raw_data)
  bool external = false;            // data_location = EXTERNAL or external_data present
  std::int64_t Count() const;       // product of dims (1 for a scalar)
};

struct Attribute {
  std::string name;
  int type = kAttrUndefined;  // as declared, or inferred from the field present (IR < 2)
  float f = 0;
  std::int64_t i = 0;
  std::string s;
  std::vector<float> floats;
  std::vector<std::int64_t> ints;
  Tensor t;
};

struct Node {
  std::string name, op_type, domain;
  std::vector<std::string> inputs, outputs;
  std::vector<Attribute> attributes;
};

struct Dim {
  bool has_value = false;
  std::int64_t value = 0;
  std::string param;  // symbolic name (dim_param), if any
};

struct ValueInfo {
  std::string name;
  bool is_tensor = false;
  int elem_type = kUndefined;
  bool has_shape = false;
  std::vector<Dim> dims;
};

struct Graph {
  std::vector<Node> nodes;
  std::vector<Tensor> initializers;
  std::vector<ValueInfo> inputs, outputs;
  int sparse_initializers = 0;
};

struct OpsetId {
  std::string domain;
  std::int64_t version = 0;
};

struct Model {
  std::int64_t ir_version = 0;
  std::vector<OpsetId> opsets;
  std::string producer_name, producer_version;
  bool has_graph = false;
  Graph graph;
};

// Decodes a serialized ModelProto. Throws WireError (malformed wire data) or IoError
// (inconsistent tensor data) whose message locates the problem; the caller adds the file.
Model DecodeModel(std::span<const std::uint8_t> bytes);

}  // namespace pcmsim::io::onnx
