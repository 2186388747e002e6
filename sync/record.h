// Records (docs/design.md, "Records"): one unit of data for the clinic. The
// payload is compressed with the kind's zstd dictionary and sealed to the
// clinic at creation; afterwards only the metadata here is readable on the
// kiosk. Plain values, thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/result.h"

namespace outpost::sync {

using Bytes = std::vector<std::uint8_t>;

// Wire codes are stable: they travel in bundles.
enum class RecordKind : std::uint8_t {
  questionnaire_response = 1,
  crisis_alert = 2,
  media_event = 3,
  group_event = 4,
  audit = 5,
};
const char* kind_name(RecordKind kind);  // "questionnaire-response", ...
std::optional<RecordKind> kind_from_name(std::string_view name);
std::optional<RecordKind> kind_from_code(std::uint8_t code);

// Lower ships first. crisis = 0.
enum class Priority : std::uint8_t { crisis = 0, clinical = 1, event = 2, audit = 3 };
Priority default_priority(RecordKind kind);
const char* priority_name(Priority p);  // "crisis", "clinical", "event", "audit"

// RFC 9562 UUIDv7: 48-bit unix_ts_ms, version 7, 74 random bits.
struct RecordId {
  std::array<std::uint8_t, 16> bytes{};
  static RecordId generate(std::int64_t wall_ms);
  static std::optional<RecordId> parse(std::string_view text);  // canonical 8-4-4-4-12 hex
  std::string to_string() const;
  std::int64_t unix_ts_ms() const;  // the creation wall clock
  auto operator<=>(const RecordId&) const = default;
};

using BootId = std::array<std::uint8_t, 16>;

// Where the boot id comes from; injectable so tests need no /proc.
class BootIdSource {
 public:
  virtual ~BootIdSource() = default;
  virtual Result<BootId> boot_id() const = 0;
};
// Reads /proc/sys/kernel/random/boot_id (or `file`).
class ProcBootIdSource final : public BootIdSource {
 public:
  explicit ProcBootIdSource(std::string file = "/proc/sys/kernel/random/boot_id") : file_(std::move(file)) {}
  Result<BootId> boot_id() const override;
 private:
  std::string file_;
};
class FixedBootIdSource final : public BootIdSource {
 public:
  explicit FixedBootIdSource(BootId id) : id_(id) {}
  Result<BootId> boot_id() const override { return id_; }
 private:
  BootId id_;
};

// A record as stored in the outbox and carried in a bundle. The wall-clock
// creation time is id.unix_ts_ms(); boot_id + mono_ms + seq let the clinic
// order records and correct a wrong kiosk clock.
struct Record {
  RecordId id;
  RecordKind kind = RecordKind::audit;
  Priority priority = Priority::audit;
  BootId boot_id{};
  std::uint64_t mono_ms = 0;   // Clock::monotonic() at creation
  std::uint64_t seq = 0;       // the kiosk's outbox sequence; set by Outbox::append
  std::uint32_t dict_id = 0;   // zstd dictionary id; 0 = none
  Bytes sealed;                // crypto_box_seal(zstd(payload))
};

}  // namespace outpost::sync
