// outpost-clinic ingest / quarantine / export / alerts / fleet
// (docs/design.md, "Clinic server layout"): bundles in, clinical data and
// fleet health out.
#include <fstream>
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include <CLI/CLI.hpp>

#include "kiosk/app/clinic_app.h"
#include "kiosk/app/shipped_data.h"
#include "kiosk/cmd/outpost_clinic_commands.h"
#include "kiosk/terminal_text.h"
#include "kiosk/utc_time.h"
#include "sync/clinic_ingest.h"
#include "sync/clinic_report.h"
#include "sync/clinic_store_sqlite.h"
#include "sync/fhir_export.h"

namespace outpost::clinic {

namespace fs = std::filesystem;

namespace {

// Exit status of ingest when a bundle was rejected or a record quarantined,
// and of `quarantine retry` while records remain quarantined: delivery
// happened, but the clinic has something to look at.
constexpr int kExitRejected = 2;

int fail(const Status& s) {
  std::cerr << "outpost-clinic: " << terminal_safe(s.to_string()) << "\n";
  return 1;
}

Result<std::unique_ptr<app::ClinicApp>> open_db(const std::string& db) { return app::ClinicApp::open_store(db); }

struct IngestArgs {
  std::string clinic, from, db, questionnaires, dictionaries, receipts, crisis_rules;
  bool no_receipts = false;
};

// "quarantine holds N records": printed by every ingest while the quarantine
// is not empty, so a later clean run (exit 0) does not hide it.
Status print_quarantine_hint(sync::ClinicStore& store, const std::string& db) {
  auto held = store.quarantined();
  if (!held.ok()) return held.status();
  if (!held->empty()) {
    std::cout << "quarantine holds " << held->size() << " record" << (held->size() == 1 ? "" : "s")
              << ": outpost-clinic quarantine list --db " << db << "\n";
  }
  return Status::Ok();
}

int run_ingest(const IngestArgs& a) {
  std::string from = a.from;
  if (from.starts_with("file://")) from = from.substr(7);
  if (from.find("://") != std::string::npos) {
    return fail(Status(Errc::invalid_argument, "--from '" + a.from +
                                                   "': the drop box is write-only over the network; run ingest on "
                                                   "the server against its data folder, or give a file:// path"));
  }
  auto clinic = app::ClinicApp::open({a.clinic, a.db, a.questionnaires, a.dictionaries, a.crisis_rules}, std::cerr);
  if (!clinic.ok()) return fail(clinic.status());
  sync::Ingester& ingester = (*clinic)->ingester();
  sync::IngestReport report;
  if (Status s = ingester.ingest_folder(from, report); !s.ok()) return fail(s);
  if (!a.no_receipts) {
    // Receipts go back the way the bundles came: the drop box serves
    // <from>/receipts/ to each kiosk; a USB stick carries them home.
    auto signing = (*clinic)->signing_key();
    if (!signing.ok()) return fail(signing.status());
    const fs::path dir = a.receipts.empty() ? fs::path(from) / "receipts" : fs::path(a.receipts);
    if (Status s = ingester.write_receipts(dir, *signing, report); !s.ok()) return fail(s);
  }
  for (const auto& r : report.rejections) std::cout << "rejected: " << terminal_safe(r) << "\n";
  for (const auto& q : report.quarantines) std::cout << "quarantined: " << terminal_safe(q) << "\n";
  if (Status s = print_quarantine_hint((*clinic)->store(), a.db); !s.ok()) return fail(s);
  std::cout << "new " << report.new_records << ", duplicate " << report.duplicate_records << ", rejected "
            << report.rejected_bundles << ", quarantined " << report.quarantined_records
            << " (bundles already ingested: " << report.known_bundles << ", heartbeats: " << report.heartbeats
            << ", receipts: " << report.receipts << ")\n";
  return report.rejected_bundles > 0 || report.quarantined_records > 0 ? kExitRejected : 0;
}

int run_quarantine_list(const std::string& db, bool as_json) {
  auto store = open_db(db);
  if (!store.ok()) return fail(store.status());
  // Listing reads the rows only: nothing is opened.
  auto held = (*store)->store().quarantined();
  if (!held.ok()) return fail(held.status());
  if (as_json) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& q : *held) {
      rows.push_back({{"record_id", q.record.id.to_string()},
                      {"kiosk", q.kiosk_id},
                      {"generation", q.generation},
                      {"bundle_seq", q.bundle_seq},
                      {"kind", sync::kind_name(q.record.kind)},
                      {"questionnaire", q.questionnaire.empty() ? nlohmann::json() : nlohmann::json(q.questionnaire)},
                      {"reason", q.reason},
                      {"since", format_utc(q.since_ms)},
                      {"since_ms", q.since_ms}});
    }
    std::cout << nlohmann::json{{"quarantined", held->size()}, {"records", rows}}.dump(2) << "\n";
    return 0;
  }
  std::cout << "record_id\tkiosk\tkind\tquestionnaire\tsince\treason\n";
  for (const auto& q : *held) {
    std::cout << q.record.id.to_string() << "\t" << q.kiosk_id << "\t" << sync::kind_name(q.record.kind) << "\t"
              << (q.questionnaire.empty() ? "-" : q.questionnaire) << "\t" << format_utc(q.since_ms) << "\t"
              << q.reason << "\n";
  }
  std::cout << "quarantined " << held->size() << "\n";
  return 0;
}

struct RetryArgs {
  std::string clinic, db, questionnaires, dictionaries, crisis_rules;
};

int run_quarantine_retry(const RetryArgs& a) {
  auto clinic = app::ClinicApp::open({a.clinic, a.db, a.questionnaires, a.dictionaries, a.crisis_rules}, std::cerr);
  if (!clinic.ok()) return fail(clinic.status());
  sync::RetryReport report;
  if (Status s = (*clinic)->ingester().retry_quarantined(report); !s.ok()) return fail(s);
  for (const auto& r : report.reasons) std::cout << "quarantined: " << r << "\n";
  std::cout << "imported " << report.imported << ", duplicate " << report.duplicate << ", still quarantined "
            << report.remaining << "\n";
  return report.remaining > 0 ? kExitRejected : 0;
}

std::string flag_list(const std::vector<std::string>& flags) {
  std::string out;
  for (const auto& f : flags) out += (out.empty() ? "" : ",") + f;
  return out;
}

struct ExportArgs {
  std::string db, format = "fhir-ndjson", out, questionnaires;
  std::string subject_system{sync::kDefaultSubjectSystem};
};

int run_export(const ExportArgs& a) {
  if (!sync::is_absolute_uri(a.subject_system)) {
    return fail(Status(Errc::invalid_argument, "--subject-system '" + a.subject_system +
                                                   "': not an absolute URI (e.g. urn:oid:1.2.3 or "
                                                   "https://clinic.example/patient-code)"));
  }
  auto store = open_db(a.db);
  if (!store.ok()) return fail(store.status());
  auto records = (*store)->store().records();
  if (!records.ok()) return fail(records.status());
  std::optional<sync::FhirExport> fhir;
  if (a.format != "csv") {
    // The Questionnaires name the score codes of instruments Outpost has no
    // table entry for (docs/design.md, "Clinic server layout").
    // Only score codes are read: no crisis rules needed (the flags are stored).
    auto lib = sync::QuestionnaireLibrary::load(a.questionnaires, CrisisRules());
    if (!lib.ok()) return fail(lib.status());
    const auto refs =
        a.format == "fhir-bundle" ? sync::FhirReferences::bundle : sync::FhirReferences::relative;
    auto made = sync::export_fhir(*records, *lib, sync::FhirExportOptions{a.subject_system}, refs);
    if (!made.ok()) return fail(made.status());
    for (const auto& w : made->warnings) std::cerr << "outpost-clinic: export: " << w << "\n";
    fhir = std::move(made.value());
  }
  std::ofstream file;
  if (!a.out.empty()) {
    file.open(a.out, std::ios::binary | std::ios::trunc);
    if (!file) return fail(Status(Errc::io_error, a.out + ": cannot write"));
  }
  std::ostream& out = a.out.empty() ? std::cout : file;
  if (a.format == "csv") {
    // On a terminal the fields' control bytes are shown, not sent.
    sync::write_records_csv(*records, out, a.out.empty() && ::isatty(STDOUT_FILENO) == 1);
  } else if (a.format == "fhir-bundle") {
    out << sync::fhir_transaction_bundle(fhir->resources).dump() << "\n";
  } else {
    for (const auto& resource : fhir->resources) out << resource.dump() << "\n";
  }
  out.flush();
  if (!out) return fail(Status(Errc::io_error, "export: write failed"));
  return 0;
}

int run_alerts(const std::string& db) {
  auto store = open_db(db);
  if (!store.ok()) return fail(store.status());
  auto records = (*store)->store().records();
  if (!records.ok()) return fail(records.status());
  const auto flagged = sync::alerts_in_order(*records);
  for (const auto* r : flagged) {
    std::cout << (sync::is_critical(*r) ? "CRITICAL " : "flag     ") << format_utc(r->created_ms) << "  "
              << terminal_safe(r->kiosk_id) << "  " << r->kind << "  "
              << terminal_safe(r->subject.empty() ? "(anonymous)" : r->subject) << "  "
              << terminal_safe(flag_list(r->flags)) << "  " << terminal_safe(r->questionnaire) << "  "
              << r->id << "\n";
  }
  if (flagged.empty()) std::cout << "no alerts\n";
  return 0;
}

int run_fleet(const std::string& db) {
  auto store = open_db(db);
  if (!store.ok()) return fail(store.status());
  auto fleet = (*store)->store().fleet();
  if (!fleet.ok()) return fail(fleet.status());
  std::cout << "kiosk\tlast_heartbeat\tqueue_depth\toldest_queued\tclock_skew_s\tdisk_free_mb\tlast_bundle\tlast_error"
               "\tclock\tgeneration\theartbeat_seq\tunconfirmed\trejected\n";
  for (const auto& e : *fleet) {
    const bool seen = e.received_ms > 0;
    const std::int64_t skew = e.heartbeat.clock_ms - e.received_ms;
    const std::string clock = sync::clock_check(e);
    std::cout << terminal_safe(e.kiosk_id) << "\t" << (seen ? format_utc(e.received_ms) : "never") << "\t"
              << (seen ? std::to_string(e.heartbeat.queue_depth) : "-") << "\t"
              << (e.heartbeat.oldest_queued_ms ? format_utc(*e.heartbeat.oldest_queued_ms) : "-") << "\t"
              << (seen ? std::to_string(skew / 1000) : "-") << "\t"
              << (seen ? std::to_string(e.heartbeat.disk_free_bytes / (1024 * 1024)) : "-") << "\t"
              << e.last_bundle_seq << "\t" << (e.heartbeat.last_error.empty() ? "-" : terminal_safe(e.heartbeat.last_error)) << "\t"
              << clock << "\t" << (e.heartbeat.generation.empty() ? "-" : e.heartbeat.generation) << "\t"
              << e.heartbeat.seq << "\t" << e.heartbeat.unconfirmed << "\t" << e.heartbeat.rejected << "\n";
  }
  return 0;
}

constexpr const char* kCrisisRulesHelp =
    "crisis rules file (TOML), the same as the kiosks' (default: the shipped crisis-rules.toml)";

}  // namespace

void register_ingest(CLI::App& app, int& exit_code) {
  const std::string config_dir = app::shipped_config_dir().string();
  auto a = std::make_shared<IngestArgs>();
  a->questionnaires = config_dir + "/questionnaires";
  a->dictionaries = config_dir + "/dictionaries";
  a->crisis_rules = config_dir + "/crisis-rules.toml";
  auto* ingest = app.add_subcommand(
      "ingest",
      "verify, decrypt and import bundles; prints new / duplicate / rejected / quarantined (exit 2 if any rejected "
      "or quarantined)");
  ingest->add_option("--clinic", a->clinic, "clinic key directory (CLINIC_DIR)")->required();
  ingest->add_option("--from", a->from, "drop box data folder or USB stick (path or file://)")->required();
  ingest->add_option("--db", a->db, "clinic database (SQLite)")->required();
  ingest->add_option("--questionnaires", a->questionnaires, "folder of Questionnaire JSON files");
  ingest->add_option("--dictionaries", a->dictionaries, "folder of zstd dictionaries");
  ingest->add_option("--crisis-rules", a->crisis_rules, kCrisisRulesHelp);
  ingest->add_option("--receipts", a->receipts, "where to write signed receipts (default: FROM/receipts)");
  ingest->add_flag("--no-receipts", a->no_receipts, "write no receipts (kiosks then keep every record)");
  ingest->callback([a, &exit_code] { exit_code = run_ingest(*a); });

  auto e = std::make_shared<ExportArgs>();
  e->questionnaires = config_dir + "/questionnaires";
  auto* exp = app.add_subcommand("export",
                                 "write imported records as FHIR R4 (NDJSON or a transaction Bundle) or CSV");
  exp->add_option("--db", e->db, "clinic database")->required();
  exp->add_option("--format", e->format, "fhir-ndjson (default), fhir-bundle or csv")
      ->check(CLI::IsMember({"fhir-ndjson", "fhir-bundle", "csv"}));
  exp->add_option("--out", e->out, "output file (default: standard output)");
  exp->add_option(
      "--subject-system", e->subject_system,
      "Identifier.system of patient codes (default: " + std::string(sync::kDefaultSubjectSystem) + ")");
  exp->add_option("--questionnaires", e->questionnaires,
                  "folder of Questionnaire JSON files (for score codes)");
  exp->callback([e, &exit_code] { exit_code = run_export(*e); });

  auto alerts_db = std::make_shared<std::string>();
  auto* alerts = app.add_subcommand("alerts", "flagged records, critical first");
  alerts->add_option("--db", *alerts_db, "clinic database")->required();
  alerts->callback([alerts_db, &exit_code] { exit_code = run_alerts(*alerts_db); });

  auto fleet_db = std::make_shared<std::string>();
  auto* fleet = app.add_subcommand("fleet", "kiosks with last heartbeat, queue depth and clock skew");
  fleet->add_option("--db", *fleet_db, "clinic database")->required();
  fleet->callback([fleet_db, &exit_code] { exit_code = run_fleet(*fleet_db); });

  auto* quarantine = app.add_subcommand(
      "quarantine", "records that arrived but could not be imported yet (e.g. their questionnaire is missing)");
  quarantine->require_subcommand(1);
  auto list = std::make_shared<std::pair<std::string, bool>>();
  auto* list_cmd = quarantine->add_subcommand("list", "list quarantined records without opening them");
  list_cmd->add_option("--db", list->first, "clinic database")->required();
  list_cmd->add_flag("--json", list->second, "print JSON");
  list_cmd->callback([list, &exit_code] { exit_code = run_quarantine_list(list->first, list->second); });
  auto r = std::make_shared<RetryArgs>();
  r->questionnaires = a->questionnaires;
  r->dictionaries = a->dictionaries;
  r->crisis_rules = a->crisis_rules;
  auto* retry = quarantine->add_subcommand(
      "retry", "open quarantined records again and import those the library now covers (exit 2 while any remain)");
  retry->add_option("--clinic", r->clinic, "clinic key directory (CLINIC_DIR)")->required();
  retry->add_option("--db", r->db, "clinic database (SQLite)")->required();
  retry->add_option("--questionnaires", r->questionnaires, "folder of Questionnaire JSON files");
  retry->add_option("--dictionaries", r->dictionaries, "folder of zstd dictionaries");
  retry->add_option("--crisis-rules", r->crisis_rules, kCrisisRulesHelp);
  retry->callback([r, &exit_code] { exit_code = run_quarantine_retry(*r); });
}

}  // namespace outpost::clinic
