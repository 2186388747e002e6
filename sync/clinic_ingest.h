// Ingest at the clinic (docs/design.md, "Clinic server layout"): verifies
// each bundle against the enrolled kiosks, rejects unknown, tampered and
// replayed ones with a reason (nothing imported from them), opens the
// records, de-duplicates by record id and stores them. A record that opens
// but cannot be made into a row (its questionnaire is not in the library)
// goes to the quarantine, still sealed, and the rest of its bundle is
// stored. Borrowed references must outlive the Ingester; use from one thread.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/clock.h"
#include "kiosk/crisis_rules.h"
#include "kiosk/env.h"
#include "kiosk/questionnaire.h"
#include "sync/clinic_store.h"
#include "sync/dictionaries.h"
#include "sync/keys.h"

namespace outpost::sync {

// The Questionnaires the clinic knows, by "url|version".
class QuestionnaireLibrary {
 public:
  // Loads every *.json in `dir`, with `rules` applied to each, so that the
  // `critical` flags the clinic recomputes are the kiosk's (the kiosk MUST
  // use the same rules file); errors name the file.
  static Result<QuestionnaireLibrary> load(const std::filesystem::path& dir, const CrisisRules& rules,
                                           Env& env = Env::system());
  const Questionnaire* find(std::string_view url_version) const;
  // "<file>: <what>": crisis rules that could not be applied, suicide-risk
  // items no rule covers. Not errors: the clinic still imports.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  std::map<std::string, Questionnaire, std::less<>> by_key_;
  std::vector<std::string> warnings_;
};

struct IngestReport {
  std::uint64_t new_records = 0;
  std::uint64_t duplicate_records = 0;   // ids already stored, in bundles not seen before
  std::uint64_t known_bundles = 0;       // the same bundle ingested before (USB, then network)
  std::uint64_t rejected_bundles = 0;
  std::uint64_t quarantined_records = 0;  // records newly quarantined
  std::uint64_t heartbeats = 0;
  std::uint64_t receipts = 0;            // receipts written
  std::vector<std::string> rejections;   // "<file>: <reason>"
  std::vector<std::string> quarantines;  // "<file>: record <id>: <reason>", one per record newly quarantined
};

struct RetryReport {
  std::uint64_t imported = 0;            // now in the records, out of the quarantine
  std::uint64_t duplicate = 0;           // already imported from another bundle; out of the quarantine
  std::uint64_t remaining = 0;           // still quarantined
  std::vector<std::string> reasons;      // "record <id>: <reason>" of each that remains
};

// Reads and writes files only through `env` (folders, bundles, heartbeats,
// receipts); the kiosk keys are read by sync/keys.h.
class Ingester {
 public:
  Ingester(const ClinicDir& clinic, const SealingKeyPair& sealing, const Dictionaries& dicts,
           const QuestionnaireLibrary& questionnaires, ClinicStore& store, const Clock& clock,
           Env& env = Env::system())
      : clinic_(clinic), sealing_(sealing), dicts_(dicts), questionnaires_(questionnaires), store_(store),
        clock_(clock), env_(env) {}

  // One bundle file; `rel_path` is where it sits under the source root
  // ("inbox/<kiosk>/<name>.opb"). A rejection goes into the report, and so
  // does each record newly quarantined (the bundle then still counts as
  // ingested); an error Status means the store failed (stop, nothing
  // half-imported).
  // `received_ms`: when the drop box stored it (the file's mtime); the
  // clinic's clock when not known.
  Status ingest_bundle(std::string_view rel_path, std::span<const std::uint8_t> bytes, IngestReport& report,
                       std::optional<std::int64_t> received_ms = std::nullopt);
  // One status/<kiosk>.json; `received_ms` is when the drop box stored it.
  Status ingest_heartbeat(std::string_view rel_path, std::span<const std::uint8_t> bytes, std::int64_t received_ms,
                          IngestReport& report);
  // Opens every quarantined record again and tries the current library:
  // those that now work are imported (once by record id) and leave the
  // quarantine; the others stay with their current reason. An error Status
  // means the store failed.
  Status retry_quarantined(RetryReport& report);
  // Every *.opb under `root` and every status/*.json, in name order, at
  // most 8 folders deep. Names starting with '.' (temp files) are skipped,
  // and so are folders that are symbolic links; a name that cannot be
  // looked at is reported in `report.rejections`.
  Status ingest_folder(const std::filesystem::path& root, IngestReport& report);
  // Writes `dir`/<kiosk-id>.json, a receipt signed with `clinic_key`, for
  // every kiosk the store holds bundles or rejections of (docs/design.md,
  // "Receipts"). The drop box serves these read-only to each kiosk.
  Status write_receipts(const std::filesystem::path& dir, const SigningSecretKey& clinic_key, IngestReport& report);

 private:
  const ClinicDir& clinic_;
  const SealingKeyPair& sealing_;
  const Dictionaries& dicts_;
  const QuestionnaireLibrary& questionnaires_;
  ClinicStore& store_;
  const Clock& clock_;
  Env& env_;
};

}  // namespace outpost::sync
