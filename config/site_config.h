// SiteConfig: one kiosk's settings, read from outpost.toml
// (docs/design.md, "Site config"; config/outpost.example.toml is a commented
// example). Every program takes --config FILE and --data-dir DIR; the command
// line wins over the file.
//
// Parsing is strict: a key or table Outpost does not know is an error naming
// it, because a typo in a kiosk config must not be silently ignored. Keys
// that are absent keep the defaults of default_site_config().
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/crisis_resources.h"
#include "kiosk/result.h"
#include "kiosk/session_config.h"
#include "kiosk/time_window.h"

namespace outpost {

// [clinic]: where records go and the clinic's public keys (docs/design.md,
// "Keys"). Keys are base64 text here; sync/keys.h decodes them.
struct ClinicConfig {
  std::string server;                     // drop box URL
  std::string sealing_public_key;         // X25519, base64 of 32 bytes
  std::string signing_public_key;         // Ed25519, base64 of 32 bytes
  std::filesystem::path kiosk_key_file;   // this kiosk's Ed25519 secret key; relative to the config file
  std::string kiosk_public_key;           // its public half as enrolled (base64); checked at start-up
  // How the kiosk talks to `server` (sync work; docs/design.md, "Sync
  // protocol"). Files are relative to the config file; empty: not used.
  std::filesystem::path ca_file;            // PEM CA that signs the server
  std::string pinned_public_key;            // "sha256//BASE64" or a public key file
  std::filesystem::path client_cert;        // PEM client certificate (mTLS), CN = kiosk id
  std::filesystem::path client_key;
  std::filesystem::path bearer_token_file;  // one line: the bearer token
};

// [sync]: bundle size cap and how long acknowledged records are kept.
struct SyncConfig {
  std::size_t bundle_max_bytes = 65536;
  std::int64_t retention_days = 30;
  // Sync work (docs/design.md, "Sync protocol"):
  std::uint64_t max_rate = 0;                // upload cap for bulk, bytes/s; 0 = none
  std::vector<TimeWindow> bulk_windows;      // "HH:MM-HH:MM" local time; empty = any time
  std::int64_t heartbeat_interval_s = 300;
  std::int64_t poll_interval_s = 30;         // daemon: how often it looks for new records
  std::int64_t stall_timeout_s = 30;         // an upload below 64 bytes/s this long is aborted
};

// [content]: the channel syncd pulls (docs/design.md, "Content channels").
struct ContentConfig {
  std::string channel;                          // "" = pull nothing (a USB import still installs)
  std::uint64_t reserve_bytes = 512ull << 20;   // free space content leaves for the outbox
  std::uint64_t chunk_bytes = 256u << 10;       // one ranged GET; crisis records go out between chunks
};

struct SiteConfig {
  // ---- [kiosk] ----
  std::string kiosk_id = "demo-kiosk";
  std::string site_name = "Outpost demo site";
  std::filesystem::path data_dir = "/var/lib/outpost";
  // Questionnaires making up one check-in, in order; relative paths are
  // resolved against questionnaire_dir (see checkin_paths()). Empty
  // questionnaire_dir: the program's shipped questionnaires directory.
  std::filesystem::path questionnaire_dir;
  std::vector<std::string> checkin{"phq-9.json", "gad-7.json"};
  // languages, allow_anonymous, idle_timeout_s, idle_warning_s, thank_you_s.
  SessionConfig session;

  // ---- [crisis] ----
  CrisisResources crisis;
  // [crisis] rules_file: the crisis rules (config/crisis_rules_toml.h);
  // relative to the config file. Empty: the shipped crisis-rules.toml.
  std::filesystem::path crisis_rules_file;

  // ---- [clinic], [sync] (outbox work; parsers in site_config.cpp kSections) ----
  ClinicConfig clinic;
  SyncConfig sync;
  ContentConfig content;
};

// The built-in defaults: demo site, English and Spanish, anonymous walk-ins
// allowed, crisis text present.
SiteConfig default_site_config();

// Parses TOML text over the defaults. Errors are Errc::invalid_config and
// read "<source>:<line>: <table.key>: <what is wrong>".
Result<SiteConfig> parse_site_config(std::string_view toml_text, std::string_view source);
// Reads and parses `file`; a relative questionnaire_dir (and the other file
// paths, crisis.rules_file among them) is resolved against the file's
// directory. A missing file is Errc::not_found; a folder, FIFO, device, an
// empty file, one over kMaxSiteConfigBytes or one that cannot be read is an
// error naming it (kiosk/file_read.h), never the defaults.
inline constexpr std::size_t kMaxSiteConfigBytes = 1 << 20;
Result<SiteConfig> load_site_config(const std::filesystem::path& file);

// The config a program runs with (outpost, outpost-syncd, outpostctl):
// `file` when given, else kDefaultSiteConfigFile when it exists, else the
// built-in demo config. `data_dir`, when not empty, replaces the config's
// (the command line wins). `file` in the result is the one read; empty for
// the demo config.
inline constexpr const char* kDefaultSiteConfigFile = "/etc/outpost/outpost.toml";
struct ProgramConfig {
  SiteConfig config;
  std::filesystem::path file;
  bool demo() const { return file.empty(); }
};
Result<ProgramConfig> load_program_config(const std::filesystem::path& file, const std::filesystem::path& data_dir);

// The outpost.toml that `outpost-clinic enroll` writes for a kiosk: [kiosk]
// id and the [clinic] keys enrollment sets (server, the clinic's public
// keys, kiosk_key_file, kiosk_public_key), serialised by toml++ so that any
// string round-trips through parse_site_config().
std::string enrollment_config_toml(const SiteConfig& config);

// The check-in's questionnaire files: each `checkin` entry, relative ones
// joined to questionnaire_dir, or to `fallback_dir` when that is empty.
std::vector<std::filesystem::path> checkin_paths(const SiteConfig& config,
                                                 const std::filesystem::path& fallback_dir);

}  // namespace outpost
