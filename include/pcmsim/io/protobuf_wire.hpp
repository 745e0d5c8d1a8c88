// A reader for the protocol-buffers wire format (the encoding under ONNX files): walks the
// fields of one message in a byte buffer without a schema, generated code or a runtime.
// Every read is bounds-checked; malformed input throws WireError, never reads past the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pcmsim/core/error.hpp"

namespace pcmsim::io {

// Malformed wire data (truncated, bad tag, varint too long, wrong wire type for a field).
// The message says what and at which byte offset; callers prefix the file name.
class WireError : public IoError {
 public:
  using IoError::IoError;
};

enum class WireType : std::uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,  // deprecated groups: never valid in ONNX, rejected
  kEndGroup = 4,
  kFixed32 = 5,
};

const char* WireTypeName(WireType t);

// One field of a message: its number, wire type and payload (a varint / fixed value, or the
// bytes of a length-delimited field, which stay a view into the reader's buffer).
struct WireField {
  std::uint32_t number = 0;
  WireType type = WireType::kVarint;
  std::uint64_t value = 0;               // varint, fixed32 or fixed64 payload
  std::span<const std::uint8_t> bytes;   // length-delimited payload
  std::size_t offset = 0;                // offset of the tag in the top-level buffer

  // Typed accessors; each throws WireError naming `what` if the wire type does not fit.
  std::int64_t Int64(std::string_view what) const;      // int64 / int32 / enum (varint)
  float Float(std::string_view what) const;             // fixed32
  std::string_view String(std::string_view what) const;  // length-delimited
  std::span<const std::uint8_t> Message(std::string_view what) const;
  // Repeated scalar fields arrive packed (one length-delimited run) or one per field; these
  // append either form.
  void AppendInt64s(std::string_view what, std::vector<std::int64_t>& out) const;
  void AppendFloats(std::string_view what, std::vector<float>& out) const;
};

class WireReader {
 public:
  // Reads the top-level message in `bytes`.
  explicit WireReader(std::span<const std::uint8_t> bytes) : bytes_(bytes), top_(bytes.data()) {}
  // Reads the next field into `f`; false at the clean end of the buffer.
  bool Next(WireField& f);
  // A reader over a nested message (a payload of this reader's buffer); offsets in its
  // errors stay relative to the top-level buffer.
  WireReader Child(std::span<const std::uint8_t> message) const {
    return WireReader(message, top_);
  }

 private:
  WireReader(std::span<const std::uint8_t> bytes, const std::uint8_t* top) : bytes_(bytes), top_(top) {}
  std::uint64_t ReadVarint();
  std::size_t Offset() const { return static_cast<std::size_t>(bytes_.data() - top_) + pos_; }
  std::span<const std::uint8_t> bytes_;
  const std::uint8_t* top_;
  std::size_t pos_ = 0;
};

}  // namespace pcmsim::io
