// ClinicStore: the clinic's database of imported records, ingested bundles
// and kiosk heartbeats (docs/design.md, "Clinic server layout"). Holds
// decrypted clinical data: it lives on the clinic's server only. The SQLite
// adapter is sync/clinic_store_sqlite.h; tests may use it on a temp file.
// One writer; use from one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kiosk/result.h"
#include "sync/heartbeat.h"

namespace outpost::sync {

// One record as the clinic keeps it, decrypted.
struct ClinicRecord {
  std::string id;                 // RecordId::to_string(): the exactly-once key
  std::string kiosk_id;
  std::uint64_t bundle_seq = 0;   // the bundle it first arrived in
  std::string kind;               // kind_name(): "questionnaire-response", "crisis-alert", ...
  int priority = 0;               // Priority: 0 = crisis
  std::int64_t created_ms = 0;    // kiosk wall clock at creation (from the record id)
  std::string questionnaire;      // "url|version", "" when not a questionnaire record
  std::optional<double> score;
  std::string severity;           // the score band's label, "" when none
  std::vector<std::string> flags; // e.g. "critical"
  std::string subject;            // patient code, "" for anonymous
  std::string authored;
  std::string body;               // FHIR QuestionnaireResponse JSON, or the payload JSON
};

struct IngestedBundle {
  std::string kiosk_id;
  std::uint64_t seq = 0;
  std::string hash;               // hex BLAKE2b-256 of the file's bytes
  std::int64_t received_ms = 0;
  std::string source;             // the file it came from, for the audit trail
};

enum class BundleSeen { no, same, different };

struct FleetEntry {
  std::string kiosk_id;
  Heartbeat heartbeat;
  std::int64_t received_ms = 0;   // when the drop box stored it
  std::uint64_t last_bundle_seq = 0;
};

class ClinicStore {
 public:
  virtual ~ClinicStore() = default;
  virtual Result<BundleSeen> bundle_seen(const std::string& kiosk_id, std::uint64_t seq, const std::string& hash) = 0;
  // Stores the bundle and its records in one transaction. Records whose id
  // is already stored are left as they are. Returns how many were new.
  virtual Result<std::uint64_t> import_bundle(const IngestedBundle& bundle, std::span<const ClinicRecord> records) = 0;
  // Keeps the newest heartbeat per kiosk (by the kiosk's clock_ms).
  virtual Status put_heartbeat(const Heartbeat& hb, std::int64_t received_ms) = 0;
  // All records, oldest first.
  virtual Result<std::vector<ClinicRecord>> records() = 0;
  virtual Result<std::vector<FleetEntry>> fleet() = 0;
};

}  // namespace outpost::sync
