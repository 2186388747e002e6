#include "sync/record.h"

#include <sodium.h>

#include <fstream>

namespace outpost::sync {

namespace {
struct KindName {
  RecordKind kind;
  const char* name;
};
constexpr KindName kKinds[] = {
    {RecordKind::questionnaire_response, "questionnaire-response"},
    {RecordKind::crisis_alert, "crisis-alert"},
    {RecordKind::media_event, "media-event"},
    {RecordKind::group_event, "group-event"},
    {RecordKind::audit, "audit"},
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses 32 hex digits with dashes at the UUID positions into 16 bytes.
bool parse_uuid(std::string_view text, std::array<std::uint8_t, 16>& out) {
  if (text.size() != 36) return false;
  std::size_t j = 0;
  for (std::size_t i = 0; i < 36;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return false;
      ++i;
      continue;
    }
    int hi = hex_value(text[i]), lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[j++] = static_cast<std::uint8_t>(hi * 16 + lo);
    i += 2;
  }
  return true;
}
}  // namespace

const char* kind_name(RecordKind kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return k.name;
  return "unknown";
}

std::optional<RecordKind> kind_from_name(std::string_view name) {
  for (const auto& k : kKinds)
    if (name == k.name) return k.kind;
  return std::nullopt;
}

std::optional<RecordKind> kind_from_code(std::uint8_t code) {
  for (const auto& k : kKinds)
    if (static_cast<std::uint8_t>(k.kind) == code) return k.kind;
  return std::nullopt;
}

Priority default_priority(RecordKind kind) {
  switch (kind) {
    case RecordKind::crisis_alert: return Priority::crisis;
    case RecordKind::questionnaire_response: return Priority::clinical;
    case RecordKind::media_event:
    case RecordKind::group_event: return Priority::event;
    case RecordKind::audit: return Priority::audit;
  }
  return Priority::audit;
}

const char* priority_name(Priority p) {
  switch (p) {
    case Priority::crisis: return "crisis";
    case Priority::clinical: return "clinical";
    case Priority::event: return "event";
    case Priority::audit: return "audit";
  }
  return "unknown";
}

RecordId RecordId::generate(std::int64_t wall_ms) {
  RecordId id;
  randombytes_buf(id.bytes.data(), id.bytes.size());
  auto ts = static_cast<std::uint64_t>(wall_ms < 0 ? 0 : wall_ms);
  for (int i = 0; i < 6; ++i) id.bytes[i] = static_cast<std::uint8_t>(ts >> (8 * (5 - i)));
  id.bytes[6] = static_cast<std::uint8_t>(0x70 | (id.bytes[6] & 0x0f));  // version 7
  id.bytes[8] = static_cast<std::uint8_t>(0x80 | (id.bytes[8] & 0x3f));  // variant 10
  return id;
}

std::optional<RecordId> RecordId::parse(std::string_view text) {
  RecordId id;
  if (!parse_uuid(text, id.bytes)) return std::nullopt;
  return id;
}

std::string RecordId::to_string() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
    s.push_back(kHex[bytes[i] >> 4]);
    s.push_back(kHex[bytes[i] & 15]);
  }
  return s;
}

std::int64_t RecordId::unix_ts_ms() const {
  std::uint64_t ts = 0;
  for (int i = 0; i < 6; ++i) ts = (ts << 8) | bytes[i];
  return static_cast<std::int64_t>(ts);
}

Result<BootId> ProcBootIdSource::boot_id() const {
  std::ifstream in(file_);
  std::string line;
  if (!in || !std::getline(in, line)) return Status(Errc::io_error, file_ + ": cannot read the boot id");
  BootId id;
  if (!parse_uuid(line, id)) return Status(Errc::corrupt, file_ + ": not a UUID");
  return id;
}

}  // namespace outpost::sync
