// FHIR R4 out of the clinic's records (docs/design.md, "Clinic server
// layout", Export): each check-in becomes a QuestionnaireResponse and an
// Observation of its score, each crisis alert a Flag, each watched video an
// Observation ("Media events"); as NDJSON lines or as
// one transaction Bundle of conditional creates that a FHIR server can take
// twice without creating anything twice.
//
// Pure: no I/O. The output is a function of the records alone (every id is
// the record id or derived from it by name), so exporting the same database
// twice gives the same bytes.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kiosk/result.h"
#include "sync/clinic_ingest.h"
#include "sync/clinic_store.h"
#include "sync/record.h"

namespace outpost::sync {

// Identifier.system of a patient code unless the clinic configures its own.
inline constexpr std::string_view kDefaultSubjectSystem = "urn:outpost:patient-code";
// Identifier.system of a kiosk id (the Device that made a record).
inline constexpr std::string_view kKioskSystem = "urn:outpost:kiosk";
// Identifier.system of every resource's own identifier, "urn:uuid:<uuid>".
inline constexpr std::string_view kUriSystem = "urn:ietf:rfc:3986";

struct FhirExportOptions {
  std::string subject_system{kDefaultSubjectSystem};  // an absolute URI (is_absolute_uri)
};

// How exported resources point at each other. NDJSON is for bulk import,
// which keeps resource ids: "QuestionnaireResponse/<id>". In a transaction
// Bundle the server assigns ids and rewrites references to the entries'
// fullUrls: "urn:uuid:<id>".
enum class FhirReferences { relative, bundle };

struct FhirExport {
  // In record order; a check-in's QuestionnaireResponse is followed by the
  // Observation of its score. Other kinds than check-ins, crisis alerts and
  // media events (group and audit events) are left out.
  std::vector<nlohmann::json> resources;
  // For the clinic admin, e.g. a questionnaire missing from the library
  // (its scores are then coded by text only). Once per cause.
  std::vector<std::string> warnings;
};

// Errc::corrupt when a stored body is not the JSON ingest wrote.
Result<FhirExport> export_fhir(std::span<const ClinicRecord> records,
                               const QuestionnaireLibrary& questionnaires, const FhirExportOptions& options,
                               FhirReferences refs);

// One Bundle of type transaction over resources made with
// FhirReferences::bundle: each entry a POST with ifNoneExist on the
// resource's own identifier, fullUrl "urn:uuid:<id>".
nlohmann::json fhir_transaction_bundle(std::span<const nlohmann::json> resources);

// The crisis alerts that belong to a check-in, alert record id -> check-in
// record id. A check-in qualifies when it is from the same kiosk, for the
// same questionnaire version and the same patient code (both may be
// anonymous), carries every item the alert names as critical, and was made
// within kAlertLinkWindowMs of the alert by the kiosk's clock. An alert and
// a check-in are linked when each is the other's nearest in time among
// those: an abandoned session's alert is not linked to the next patient's
// check-in, because that check-in has its own alert nearer to it.
inline constexpr std::int64_t kAlertLinkWindowMs = 60 * 60'000;
std::map<std::string, std::string> link_alerts(std::span<const ClinicRecord> records);

// RFC 9562 name-based UUID, version 8 (its appendix B.2): the first 128 bits
// of SHA-256(namespace bytes || name) with version and variant set. Like
// UUIDv5 without SHA-1.
RecordId name_based_uuid(const RecordId& ns, std::string_view name);

// "scheme:rest" with an RFC 3986 scheme and no spaces, as Identifier.system needs.
bool is_absolute_uri(std::string_view text);

}  // namespace outpost::sync
