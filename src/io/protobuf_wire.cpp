// Protocol-buffers wire format: tag = (field number << 3) | wire type, as a varint; then a
// varint, 8 or 4 little-endian bytes, or a varint length followed by that many bytes.
#include "pcmsim/io/protobuf_wire.hpp"

#include <cstring>

namespace pcmsim::io {
namespace {

std::uint64_t LittleEndian(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

[[noreturn]] void WrongType(std::string_view what, const WireField& f, const char* expected) {
  throw WireError(StrCat("field ", what, " (number ", f.number, ") at byte ", f.offset, " has wire type ",
                         WireTypeName(f.type), ", expected ", expected));
}

// Reads varints from a packed run; throws on truncation.
std::uint64_t PackedVarint(std::span<const std::uint8_t> b, std::size_t& pos, std::string_view what,
                           std::size_t offset) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= b.size()) throw WireError(StrCat("packed field ", what, " at byte ", offset, " ends inside a varint"));
    const std::uint8_t byte = b[pos++];
    v |= std::uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80u) == 0) return v;
  }
  throw WireError(StrCat("packed field ", what, " at byte ", offset, " has a varint longer than 10 bytes"));
}

}  // namespace

const char* WireTypeName(WireType t) {
  switch (t) {
    case WireType::kVarint: return "varint";
    case WireType::kFixed64: return "fixed64";
    case WireType::kLengthDelimited: return "length-delimited";
    case WireType::kStartGroup: return "start-group";
    case WireType::kEndGroup: return "end-group";
    case WireType::kFixed32: return "fixed32";
  }
  return "unknown";
}

std::uint64_t WireReader::ReadVarint() {
  const std::size_t start = Offset();
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= bytes_.size()) throw WireError(StrCat("truncated: varint at byte ", start, " runs past the end"));
    const std::uint8_t byte = bytes_[pos_++];
    v |= std::uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80u) == 0) return v;
  }
  throw WireError(StrCat("varint at byte ", start, " is longer than 10 bytes"));
}

bool WireReader::Next(WireField& f) {
  if (pos_ >= bytes_.size()) return false;
  f = WireField{};
  f.offset = Offset();
  const std::uint64_t tag = ReadVarint();
  const std::uint64_t number = tag >> 3;
  if (number == 0 || number > 0x1fffffff) {
    throw WireError(StrCat("bad field number ", number, " at byte ", f.offset, " (not a protobuf message?)"));
  }
  f.number = static_cast<std::uint32_t>(number);
  const unsigned type = static_cast<unsigned>(tag & 7u);
  const std::size_t left = bytes_.size() - pos_;
  switch (type) {
    case 0:
      f.type = WireType::kVarint;
      f.value = ReadVarint();
      return true;
    case 1:
      f.type = WireType::kFixed64;
      if (left < 8) throw WireError(StrCat("truncated: fixed64 field ", f.number, " at byte ", f.offset));
      f.value = LittleEndian(bytes_.data() + pos_, 8);
      pos_ += 8;
      return true;
    case 2: {
      f.type = WireType::kLengthDelimited;
      const std::uint64_t n = ReadVarint();
      if (n > bytes_.size() - pos_) {
        throw WireError(StrCat("truncated: field ", f.number, " at byte ", f.offset, " declares ", n,
                               " bytes but only ", bytes_.size() - pos_, " remain"));
      }
      f.bytes = bytes_.subspan(pos_, static_cast<std::size_t>(n));
      pos_ += static_cast<std::size_t>(n);
      return true;
    }
    case 5:
      f.type = WireType::kFixed32;
      if (left < 4) throw WireError(StrCat("truncated: fixed32 field ", f.number, " at byte ", f.offset));
      f.value = LittleEndian(bytes_.data() + pos_, 4);
      pos_ += 4;
      return true;
    default:
      throw WireError(StrCat("unsupported wire type ", type, " (field ", f.number, ") at byte ", f.offset,
                             type == 3 || type == 4 ? " (protobuf groups are not used by ONNX)" : " (corrupt data?)"));
  }
}

std::int64_t WireField::Int64(std::string_view what) const {
  if (type != WireType::kVarint) WrongType(what, *this, "varint");
  return static_cast<std::int64_t>(value);
}

float WireField::Float(std::string_view what) const {
  if (type != WireType::kFixed32) WrongType(what, *this, "fixed32");
  const auto bits = static_cast<std::uint32_t>(value);
  float out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

std::string_view WireField::String(std::string_view what) const {
  if (type != WireType::kLengthDelimited) WrongType(what, *this, "length-delimited");
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::span<const std::uint8_t> WireField::Message(std::string_view what) const {
  if (type != WireType::kLengthDelimited) WrongType(what, *this, "length-delimited");
  return bytes;
}

void WireField::AppendInt64s(std::string_view what, std::vector<std::int64_t>& out) const {
  if (type == WireType::kVarint) {
    out.push_back(static_cast<std::int64_t>(value));
    return;
  }
  if (type != WireType::kLengthDelimited) WrongType(what, *this, "varint or packed varints");
  std::size_t pos = 0;
  while (pos < bytes.size()) out.push_back(static_cast<std::int64_t>(PackedVarint(bytes, pos, what, offset)));
}

void WireField::AppendFloats(std::string_view what, std::vector<float>& out) const {
  if (type == WireType::kFixed32) {
    out.push_back(Float(what));
    return;
  }
  if (type != WireType::kLengthDelimited) WrongType(what, *this, "fixed32 or packed fixed32");
  if (bytes.size() % 4 != 0) {
    throw WireError(StrCat("packed float field ", what, " at byte ", offset, " has ", bytes.size(),
                           " bytes, not a multiple of 4"));
  }
  const std::size_t n = bytes.size() / 4;
  const std::size_t old = out.size();
  out.resize(old + n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto bits = static_cast<std::uint32_t>(LittleEndian(bytes.data() + 4 * i, 4));
    std::memcpy(&out[old + i], &bits, sizeof(float));
  }
}

}  // namespace pcmsim::io
