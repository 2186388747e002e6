// Content channels (docs/design.md, "Content channels"): the manifest the
// clinic signs and every kiosk checks before anything of it is installed or
// played. Pure: nlohmann-json and libsodium (through signed_envelope.h).
//
// Wire form: the signed envelope of heartbeats and receipts,
// {"body":"<manifest JSON text>","sig":"<base64 Ed25519 over body>"}, signed
// with the clinic's signing key. Files are named by their sha256 and stored
// as blobs/<sha256> beside manifest.json.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/result.h"
#include "sync/keys.h"
#include "sync/record.h"

namespace outpost::sync {

inline constexpr std::string_view kChannelFormat = "outpost-channel/1";
inline constexpr std::size_t kMaxManifestBytes = 4u << 20;
inline constexpr std::size_t kMaxChannelItems = 1000;
inline constexpr std::size_t kMaxGroupSessions = 500;
inline constexpr std::size_t kMaxSessionPatients = 200;
inline constexpr std::int64_t kMaxGroupSessionMs = 12 * 3600 * 1000;
inline constexpr std::uint64_t kMaxVideoBytes = 4ull << 30;
inline constexpr std::uint64_t kMaxCaptionBytes = 1u << 20;
inline constexpr std::uint64_t kMaxThumbnailBytes = 2u << 20;

// The topics the library groups items by; the kiosk has words for each.
inline constexpr std::string_view kChannelTopics[] = {"coping", "sleep", "mood", "anxiety", "substance-use", "crisis"};
bool known_topic(std::string_view topic);

// One file of an item: its original name (a plain file name, shown to staff
// and used on a USB copy), sha256 (64 lowercase hex) and size in bytes.
struct ChannelFile {
  std::string name;
  std::string sha256;
  std::uint64_t size = 0;
  bool operator==(const ChannelFile&) const = default;
};

using LangText = std::map<std::string, std::string>;  // language tag -> text

struct ChannelItem {
  std::string id;  // [a-z0-9-]{1,64}
  std::string topic;
  std::int64_t order = 0;  // sort key within a topic, then by id
  LangText title;          // at least the channel's default language
  LangText description;
  std::int64_t duration_ms = 0;
  ChannelFile video;                          // WebM: VP8 or VP9 video, Opus audio
  std::map<std::string, ChannelFile> captions;  // language -> WebVTT
  ChannelFile thumbnail;                      // PNG or JPEG
};

// One video session (docs/design.md, "Content channels", schedule).
struct GroupSession {
  std::string id;           // [a-z0-9-]{1,64}, unique in the schedule
  std::string kind;         // "group" or "private"
  LangText title;           // at least the channel's default language
  std::string start, end;   // YYYY-MM-DDTHH:MM:SSZ; end after start, at most 12 h later
  std::string server;       // Janus's HTTP API, "http(s)://host[:port]/path"
  std::uint64_t room = 0;   // VideoRoom id, 1..2^53
  std::string pin;          // the room's PIN, "" none
  // A private session limited to some patients: patient_code_digest of each
  // code with `patients_salt`, never the codes. Empty: anyone may join.
  std::string patients_salt;          // 32 hex digits when `patients` is set
  std::vector<std::string> patients;  // 64 hex digits each
};

struct ChannelSchedule {
  int v = 1;
  std::vector<GroupSession> sessions;  // sorted by start, then id
};

// hex(argon2id(code, salt)), 32 bytes, libsodium's interactive limits
// (about 0.1 s and 64 MiB here): what a schedule carries instead of a code.
// `salt_hex` is 32 hex digits. Errc::internal when libsodium fails (memory).
Result<std::string> patient_code_digest(std::string_view code, std::string_view salt_hex);

struct ChannelManifest {
  std::string channel;       // [a-z0-9-]{1,64}
  std::uint64_t version = 0; // grows with every publish; a kiosk never installs a lower one
  std::string published;     // RFC 3339 UTC, "2026-12-03T10:00:00Z"
  std::string default_language;
  LangText title;
  std::vector<ChannelItem> items;
  ChannelSchedule schedule;

  // Every distinct file, in item order: what a kiosk must hold.
  std::vector<ChannelFile> files() const;
  std::uint64_t total_bytes() const;
  const ChannelItem* find(std::string_view id) const;
};

// The text for `lang`, else the default language's, else any.
std::string text_in(const LangText& text, const std::string& lang, const std::string& default_language);

// The manifest's body JSON (what is signed), in a stable field order.
std::string manifest_body_json(const ChannelManifest& m);
// Parses and checks a body: unknown fields, kinds or topics, a file name
// with '/' or "..", a bad hash or size, duplicate ids, a missing title in
// the default language are each Errc::corrupt naming the field
// ("SOURCE: items[2].video.sha256: ...").
Result<ChannelManifest> parse_manifest_body(std::string_view body, std::string_view source);

// Signs a manifest with the clinic's signing key: the bytes of manifest.json.
Bytes sign_manifest(const ChannelManifest& m, const SigningSecretKey& clinic_key);
// Verifies and parses manifest.json bytes: a signature that does not
// verify is Errc::unauthorized; a missing one, a body over
// kMaxManifestBytes or a malformed one is Errc::corrupt; `source` names the file or URL in messages.
Result<ChannelManifest> open_manifest(std::span<const std::uint8_t> bytes, const SigningPublicKey& clinic_key,
                                      std::string_view source);

// A plain file name: 1-100 bytes, no '/', no NUL or control characters,
// not "." or "..", not starting with '.'.
bool plain_file_name(std::string_view name);
bool valid_sha256_hex(std::string_view hex);
bool valid_channel_name(std::string_view name);  // [a-z0-9-]{1,64}
bool valid_item_id(std::string_view id);         // [a-z0-9-]{1,64}
// A language tag as manifests use them: "en", "es", "pt-BR", "zh-Hant".
bool valid_language_tag(std::string_view tag);

}  // namespace outpost::sync
