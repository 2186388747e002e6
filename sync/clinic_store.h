// ClinicStore: the clinic's database of imported records, ingested bundles,
// quarantined records and kiosk heartbeats (docs/design.md, "Clinic server
// layout"). Holds decrypted clinical data: it lives on the clinic's server
// only. The SQLite
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
#include "sync/receipt.h"
#include "sync/record.h"

namespace outpost::sync {

// One record as the clinic keeps it, decrypted.
struct ClinicRecord {
  std::string id;                 // RecordId::to_string(): the exactly-once key
  std::string kiosk_id;
  std::uint64_t bundle_seq = 0;   // the bundle it first arrived in
  std::string kind;               // kind_name(): "questionnaire-response", "crisis-alert", ...
  int priority = 0;               // Priority: 0 = crisis
  std::int64_t created_ms = 0;    // kiosk wall clock at creation (from the record id), as given
  // When the kiosk's clock was off (docs/design.md, "Clinic server layout"):
  // creation time on the drop box's clock, from the bundle's mono and boot.
  std::optional<std::int64_t> corrected_ms;
  std::string clock_note;         // "" when the kiosk clock looked right
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
  std::string generation;         // 16 hex digits; "" for a version 1 bundle
  std::uint64_t seq = 0;
  std::string hash;               // hex BLAKE2b-256 of the file's bytes
  std::int64_t received_ms = 0;
  std::string source;             // the file it came from, for the audit trail
};

enum class BundleSeen { no, same, different };

// A record whose seal opened but which the clinic cannot turn into a row yet
// (its questionnaire is not in the library, its payload does not decode
// against it). Kept sealed, exactly as its bundle carried it, so that
// `outpost-clinic quarantine retry` can open it again with a newer library;
// never its plaintext. The reason names the questionnaire and items, never
// an answer or patient code.
struct QuarantinedRecord {
  Record record;                  // id, kind, priority, boot id (resolved), mono, seq, dict, sealed
  std::string kiosk_id;           // the bundle's (the seal is bound to it)
  std::string generation;         // the bundle's, 16 hex digits; "" for a version 1 bundle
  std::uint64_t bundle_seq = 0;   // the bundle it first arrived in
  std::uint8_t bundle_version = 0;  // says which seal opens it (seal_scheme)
  std::string seal_digest;        // hex BLAKE2b of record.sealed, as in `seals`
  // The clock correction ingest worked out from the bundle's header
  // (ClinicRecord), kept because a retry no longer has the header.
  std::optional<std::int64_t> corrected_ms;
  std::string clock_note;
  std::string questionnaire;      // "url|version" the reason names, "" when none
  std::string reason;
  std::int64_t since_ms = 0;      // when it was first quarantined (the clinic's clock)
};

struct ImportCounts {
  std::uint64_t added = 0;               // records new to `records`
  std::vector<std::size_t> quarantined;  // indexes of the quarantined records new to the quarantine
};

// A bundle file ingest refused, filed under the inbox it was found in.
struct BundleRejection {
  std::string kiosk_id;           // the inbox folder (the drop box checked the certificate)
  std::string generation;         // from the file name; "" when it has none
  std::string name;               // the file name
  std::string reason;
  std::int64_t received_ms = 0;
};

struct FleetEntry {
  std::string kiosk_id;
  Heartbeat heartbeat;
  std::int64_t received_ms = 0;   // when the drop box stored it
  std::uint64_t last_bundle_seq = 0;
};

class ClinicStore {
 public:
  virtual ~ClinicStore() = default;
  virtual Result<BundleSeen> bundle_seen(const std::string& kiosk_id, const std::string& generation,
                                         std::uint64_t seq, const std::string& hash) = 0;
  // The record id that first carried this sealed payload (by its BLAKE2b
  // hex), "" when none did: a payload moved to a new id is a replay.
  virtual Result<std::string> seal_owner(const std::string& seal_digest) = 0;
  // Stores the bundle, its records and its quarantined records in one
  // transaction. Records whose id is already stored are left as they are;
  // a stored record leaves the quarantine. A quarantined record whose id is
  // already stored or already quarantined is not added. `seal_digests[i]`
  // belongs to records[i]; every seal digest (of quarantined records too)
  // is kept. Says which were new.
  virtual Result<ImportCounts> import_bundle(const IngestedBundle& bundle, std::span<const ClinicRecord> records,
                                             std::span<const std::string> seal_digests,
                                             std::span<const QuarantinedRecord> quarantined) = 0;
  // Every quarantined record, oldest first.
  virtual Result<std::vector<QuarantinedRecord>> quarantined() = 0;
  // Stores `row` (left as it is when its id is already stored) and takes
  // its id out of the quarantine, in one transaction. Returns whether it was new.
  virtual Result<bool> release_quarantined(const ClinicRecord& row) = 0;
  // Keeps a quarantined record with a new reason (and the questionnaire it names).
  virtual Status update_quarantined(const std::string& record_id, const std::string& reason,
                                    const std::string& questionnaire) = 0;
  // Remembers a rejected bundle file (first time seen wins); for receipts.
  virtual Status record_rejection(const BundleRejection& r) = 0;
  // What the clinic holds of one kiosk, per outbox generation, for its
  // receipt (docs/design.md, "Receipts"). Version 1 bundles are left out.
  virtual Result<std::vector<ReceiptOutbox>> receipt_entries(const std::string& kiosk_id) = 0;
  // Kiosks with at least one bundle or rejection, in name order.
  virtual Result<std::vector<std::string>> kiosks() = 0;
  // Keeps the newest heartbeat per kiosk, ordered by (generation, seq) and
  // the drop box's receive time, never by the kiosk's clock.
  virtual Status put_heartbeat(const Heartbeat& hb, std::int64_t received_ms) = 0;
  // All records, oldest first.
  virtual Result<std::vector<ClinicRecord>> records() = 0;
  virtual Result<std::vector<FleetEntry>> fleet() = 0;
};

}  // namespace outpost::sync
