// Zstd dictionaries per record kind (docs/design.md, "Records"). Files live
// in config/dictionaries/ as <kind>.<id>.zdict; a kiosk compresses with the
// highest id of the record's kind, the clinic keeps every id it has shipped.
// Frames are magicless, without checksum or dictionary id (the record carries
// the id; the seal authenticates). Immutable after load; thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>

#include "sync/record.h"

namespace outpost::sync {

// A buffer that overwrites itself with zeros when destroyed or cleared; for
// plaintext payloads that must never linger. Its storage is also locked in
// memory (sodium_mlock: not swapped out, left out of core dumps) when the
// OS allows; that is best effort: past RLIMIT_MEMLOCK it stays unlocked and
// works the same.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t n) : b_(n) { lock(); }
  SecretBytes(std::span<const std::uint8_t> data) : b_(data.size()) {  // NOLINT
    lock();
    std::copy(data.begin(), data.end(), b_.begin());
  }
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& o) noexcept : b_(std::move(o.b_)) {}
  SecretBytes& operator=(SecretBytes&& o) noexcept;
  ~SecretBytes() { clear(); }
  void clear();
  void resize(std::size_t n);  // zeroes the old storage if it moves
  std::uint8_t* data() { return b_.data(); }
  const std::uint8_t* data() const { return b_.data(); }
  std::size_t size() const { return b_.size(); }
  std::span<const std::uint8_t> span() const { return b_; }
  std::string_view view() const { return {reinterpret_cast<const char*>(b_.data()), b_.size()}; }

 private:
  void lock();
  std::vector<std::uint8_t> b_;
};

// Largest payload we compress or accept after decompression.
inline constexpr std::size_t kMaxPayloadBytes = 1 << 20;

class Dictionaries {
 public:
  Dictionaries();
  ~Dictionaries();
  Dictionaries(Dictionaries&&) noexcept;
  Dictionaries& operator=(Dictionaries&&) noexcept;

  // Loads every *.zdict in `dir`; errors name the file. A missing dir is
  // Errc::not_found.
  static Result<Dictionaries> load(const std::filesystem::path& dir);
  // Adds one dictionary from memory (tests, the trainer).
  Status add(RecordKind kind, std::span<const std::uint8_t> dict, std::string_view source = "dictionary");

  // The id a kiosk compresses `kind` with; 0 when there is no dictionary.
  std::uint32_t id_for(RecordKind kind) const;

  struct Compressed {
    std::uint32_t dict_id = 0;
    Bytes bytes;
  };
  Result<Compressed> compress(RecordKind kind, std::span<const std::uint8_t> plain) const;
  // Errc::not_found for an unknown dict id, Errc::corrupt for a bad frame.
  Result<SecretBytes> decompress(std::uint32_t dict_id, std::span<const std::uint8_t> frame) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::sync
