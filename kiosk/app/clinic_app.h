// ClinicApp: outpost-clinic's ingest side put together (docs/design.md,
// "Clinic server layout"): the clinic database (SQLite) and, for commands
// that open records, the clinic's sealing pair, the zstd dictionaries, the
// crisis rules and the Questionnaire library, wired into an Ingester. The
// program parses its arguments and prints; commands that only read the
// database call open_store().
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>

#include "kiosk/clock.h"
#include "sync/clinic_ingest.h"
#include "sync/clinic_store_sqlite.h"

namespace outpost::app {

struct ClinicPaths {
  std::filesystem::path clinic_dir;      // from outpost-clinic keygen
  std::filesystem::path db;              // the clinic database
  std::filesystem::path questionnaires;  // folder of Questionnaire JSON files
  std::filesystem::path dictionaries;    // folder of zstd dictionaries
  std::filesystem::path crisis_rules;    // MUST be the kiosks' (the clinic recomputes `critical`)
};

class ClinicApp {
 public:
  // The database only; Errc::invalid_argument when `db` is empty.
  static Result<std::unique_ptr<ClinicApp>> open_store(const std::filesystem::path& db);
  // The database and everything opening records takes. Library warnings go to `warn`.
  static Result<std::unique_ptr<ClinicApp>> open(const ClinicPaths& paths, std::ostream& warn);
  ClinicApp(const ClinicApp&) = delete;  // the Ingester points into it
  ClinicApp& operator=(const ClinicApp&) = delete;

  sync::ClinicStore& store() { return *store_; }
  // Only after open().
  sync::Ingester& ingester() { return *ingester_; }
  // The clinic's signing key, for receipts. Only after open().
  Result<sync::SigningSecretKey> signing_key() const;

 private:
  ClinicApp() = default;

  sync::ClinicDir clinic_;
  std::unique_ptr<sync::SqliteClinicStore> store_;
  sync::SealingKeyPair sealing_;
  sync::Dictionaries dicts_;
  std::optional<sync::QuestionnaireLibrary> library_;
  SystemClock clock_;
  std::unique_ptr<sync::Ingester> ingester_;
};

}  // namespace outpost::app
