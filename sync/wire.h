// Byte-level helpers for the formats in docs/design.md: unsigned LEB128
// varints and a bounds-checked reader. Internal to outpost_sync.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "sync/record.h"

namespace outpost::sync::wire {

inline std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

inline void put_varint(Bytes& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

// Appends with resize + memcpy rather than vector::insert: GCC 12 at -O3 sees
// insert's growth path on a fresh vector as a zero-size buffer and warns
// (-Wstringop-overflow, a false positive; GCC PR 106199).
inline void put_bytes(Bytes& out, std::span<const std::uint8_t> b) {
  if (b.empty()) return;
  const std::size_t at = out.size();
  out.resize(at + b.size());
  std::memcpy(out.data() + at, b.data(), b.size());
}

// Reads from a span; every call checks the remaining length. After the first
// failure `ok()` is false and `error()` names the field.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> in) : in_(in) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t offset() const { return pos_; }
  std::size_t remaining() const { return in_.size() - pos_; }

  std::uint8_t u8(std::string_view field) {
    if (!need(1, field)) return 0;
    return in_[pos_++];
  }
  // Rejects overlong and over-64-bit encodings so every value has one form.
  std::uint64_t varint(std::string_view field) {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!need(1, field)) return 0;
      std::uint8_t b = in_[pos_++];
      if (shift == 63 && b > 1) break;
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) {
        if (b == 0 && shift > 0) return fail(field, "non-minimal varint"), 0;
        return v;
      }
    }
    fail(field, "varint too long");
    return 0;
  }
  std::span<const std::uint8_t> bytes(std::size_t n, std::string_view field) {
    if (!need(n, field)) return {};
    auto s = in_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  template <std::size_t N>
  void fixed(std::array<std::uint8_t, N>& out, std::string_view field) {
    auto s = bytes(N, field);
    if (ok()) std::memcpy(out.data(), s.data(), N);
  }
  void fail(std::string_view field, std::string_view what) {
    if (error_.empty()) error_ = std::string(field) + " at byte " + std::to_string(pos_) + ": " + std::string(what);
  }

 private:
  bool need(std::size_t n, std::string_view field) {
    if (!ok()) return false;
    if (n > remaining()) {
      fail(field, "truncated (need " + std::to_string(n) + " bytes, " + std::to_string(remaining()) + " left)");
      return false;
    }
    return true;
  }
  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  std::string error_;
};

}  // namespace outpost::sync::wire
