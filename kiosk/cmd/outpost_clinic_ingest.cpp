// outpost-clinic ingest / export / alerts / fleet (docs/design.md, "Clinic
// server layout"): bundles in, clinical data and fleet health out.
#include <ctime>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "kiosk/clock.h"
#include "kiosk/cmd/shipped_data.h"
#include "kiosk/cmd/outpost_clinic_commands.h"
#include "kiosk/terminal_text.h"
#include "sync/clinic_ingest.h"
#include "sync/clinic_store_sqlite.h"

namespace outpost::clinic {

namespace fs = std::filesystem;

namespace {

constexpr int kExitRejected = 2;

int fail(const Status& s) {
  std::cerr << "outpost-clinic: " << terminal_safe(s.to_string()) << "\n";
  return 1;
}

std::string iso_time(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<std::unique_ptr<sync::SqliteClinicStore>> open_db(const std::string& db) {
  if (db.empty()) return Status(Errc::invalid_argument, "--db: not given");
  return sync::SqliteClinicStore::open(db);
}

struct IngestArgs {
  std::string clinic, from, db, questionnaires, dictionaries;
};

int run_ingest(const IngestArgs& a) {
  std::string from = a.from;
  if (from.starts_with("file://")) from = from.substr(7);
  if (from.find("://") != std::string::npos) {
    return fail(Status(Errc::invalid_argument, "--from '" + a.from +
                                                   "': the drop box is write-only over the network; run ingest on "
                                                   "the server against its data folder, or give a file:// path"));
  }
  sync::ClinicDir clinic{a.clinic};
  auto pk = sync::load_key<sync::SealingPublicKey>(clinic.sealing_pk());
  if (!pk.ok()) return fail(pk.status());
  auto sk = sync::load_key<sync::SealingSecretKey>(clinic.sealing_sk());
  if (!sk.ok()) return fail(sk.status());
  sync::SealingKeyPair sealing{*pk, *sk};
  auto dicts = sync::Dictionaries::load(a.dictionaries);
  if (!dicts.ok()) return fail(dicts.status());
  auto lib = sync::QuestionnaireLibrary::load(a.questionnaires);
  if (!lib.ok()) return fail(lib.status());
  auto store = open_db(a.db);
  if (!store.ok()) return fail(store.status());
  SystemClock clock;
  sync::Ingester ingester(clinic, sealing, *dicts, *lib, **store, clock);
  sync::IngestReport report;
  if (Status s = ingester.ingest_folder(from, report); !s.ok()) return fail(s);
  for (const auto& r : report.rejections) std::cout << "rejected: " << terminal_safe(r) << "\n";
  std::cout << "new " << report.new_records << ", duplicate " << report.duplicate_records << ", rejected "
            << report.rejected_bundles << " (bundles already ingested: " << report.known_bundles
            << ", heartbeats: " << report.heartbeats << ")\n";
  return report.rejected_bundles > 0 ? kExitRejected : 0;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string format_score(const std::optional<double>& score) {
  if (!score) return "";
  std::ostringstream ss;
  ss << *score;
  return ss.str();
}

int run_export(const std::string& db, const std::string& format, const std::string& out_file) {
  auto store = open_db(db);
  if (!store.ok()) return fail(store.status());
  auto records = (*store)->records();
  if (!records.ok()) return fail(records.status());
  std::ofstream file;
  if (!out_file.empty()) {
    file.open(out_file, std::ios::binary | std::ios::trunc);
    if (!file) return fail(Status(Errc::io_error, out_file + ": cannot write"));
  }
  std::ostream& out = out_file.empty() ? std::cout : file;
  if (format == "csv") {
    out << "record_id,kiosk,kind,created,questionnaire,subject,authored,score,severity,flags\n";
    for (const auto& r : *records) {
      out << r.id << "," << csv_field(r.kiosk_id) << "," << r.kind << "," << iso_time(r.created_ms) << ","
          << csv_field(r.questionnaire) << "," << csv_field(r.subject) << "," << csv_field(r.authored) << ","
          << format_score(r.score) << "," << csv_field(r.severity) << "," << csv_field(join(r.flags, ";")) << "\n";
    }
  } else {
    // fhir-ndjson: QuestionnaireResponses as reconstructed; crisis alerts as
    // FHIR Flag resources; other kinds are not clinical data and are skipped.
    for (const auto& r : *records) {
      if (r.kind == "questionnaire-response") {
        out << r.body << "\n";
      } else if (r.kind == "crisis-alert") {
        nlohmann::json flag = {{"resourceType", "Flag"},
                               {"id", r.id},
                               {"status", "active"},
                               {"category", {{{"text", "crisis"}}}},
                               {"code", {{"text", "critical answer on " + r.questionnaire}}},
                               {"period", {{"start", r.authored.empty() ? iso_time(r.created_ms) : r.authored}}}};
        if (!r.subject.empty()) flag["subject"] = {{"identifier", {{"value", r.subject}}}};
        out << flag.dump() << "\n";
      }
    }
  }
  out.flush();
  if (!out) return fail(Status(Errc::io_error, "export: write failed"));
  return 0;
}

int run_alerts(const std::string& db) {
  auto store = open_db(db);
  if (!store.ok()) return fail(store.status());
  auto records = (*store)->records();
  if (!records.ok()) return fail(records.status());
  std::vector<const sync::ClinicRecord*> flagged;
  for (const auto& r : *records) {
    if (!r.flags.empty()) flagged.push_back(&r);
  }
  auto critical = [](const sync::ClinicRecord* r) {
    return std::find(r->flags.begin(), r->flags.end(), "critical") != r->flags.end();
  };
  // Critical first; within each, crisis alerts first, then newest first.
  std::stable_sort(flagged.begin(), flagged.end(), [&](const auto* a, const auto* b) {
    if (critical(a) != critical(b)) return critical(a);
    if (a->priority != b->priority) return a->priority < b->priority;
    return a->created_ms > b->created_ms;
  });
  for (const auto* r : flagged) {
    std::cout << (critical(r) ? "CRITICAL " : "flag     ") << iso_time(r->created_ms) << "  "
              << terminal_safe(r->kiosk_id) << "  " << r->kind << "  "
              << terminal_safe(r->subject.empty() ? "(anonymous)" : r->subject) << "  "
              << terminal_safe(join(r->flags, ",")) << "  " << terminal_safe(r->questionnaire) << "  "
              << r->id << "\n";
  }
  if (flagged.empty()) std::cout << "no alerts\n";
  return 0;
}

int run_fleet(const std::string& db) {
  auto store = open_db(db);
  if (!store.ok()) return fail(store.status());
  auto fleet = (*store)->fleet();
  if (!fleet.ok()) return fail(fleet.status());
  std::cout << "kiosk\tlast_heartbeat\tqueue_depth\toldest_queued\tclock_skew_s\tdisk_free_mb\tlast_bundle\tlast_error\n";
  for (const auto& e : *fleet) {
    const bool seen = e.received_ms > 0;
    std::cout << terminal_safe(e.kiosk_id) << "\t" << (seen ? iso_time(e.received_ms) : "never") << "\t"
              << (seen ? std::to_string(e.heartbeat.queue_depth) : "-") << "\t"
              << (e.heartbeat.oldest_queued_ms ? iso_time(*e.heartbeat.oldest_queued_ms) : "-") << "\t"
              << (seen ? std::to_string((e.heartbeat.clock_ms - e.received_ms) / 1000) : "-") << "\t"
              << (seen ? std::to_string(e.heartbeat.disk_free_bytes / (1024 * 1024)) : "-") << "\t"
              << e.last_bundle_seq << "\t"
              << (e.heartbeat.last_error.empty() ? "-" : terminal_safe(e.heartbeat.last_error)) << "\n";
  }
  return 0;
}

}  // namespace

void register_ingest(CLI::App& app, CommonOptions&, int& exit_code) {
  const std::string config_dir = shipped_config_dir().string();
  auto a = std::make_shared<IngestArgs>();
  a->questionnaires = config_dir + "/questionnaires";
  a->dictionaries = config_dir + "/dictionaries";
  auto* ingest = app.add_subcommand(
      "ingest", "verify, decrypt and import bundles; prints new / duplicate / rejected (exit 2 if any rejected)");
  ingest->add_option("--clinic", a->clinic, "clinic key directory (CLINIC_DIR)")->required();
  ingest->add_option("--from", a->from, "drop box data folder or USB stick (path or file://)")->required();
  ingest->add_option("--db", a->db, "clinic database (SQLite)")->required();
  ingest->add_option("--questionnaires", a->questionnaires, "folder of Questionnaire JSON files");
  ingest->add_option("--dictionaries", a->dictionaries, "folder of zstd dictionaries");
  ingest->callback([a, &exit_code] { exit_code = run_ingest(*a); });

  auto e = std::make_shared<std::array<std::string, 3>>();
  (*e)[1] = "fhir-ndjson";
  auto* exp = app.add_subcommand("export", "write imported records as FHIR NDJSON or CSV");
  exp->add_option("--db", (*e)[0], "clinic database")->required();
  exp->add_option("--format", (*e)[1], "fhir-ndjson or csv")->check(CLI::IsMember({"fhir-ndjson", "csv"}));
  exp->add_option("--out", (*e)[2], "output file (default: standard output)");
  exp->callback([e, &exit_code] { exit_code = run_export((*e)[0], (*e)[1], (*e)[2]); });

  auto alerts_db = std::make_shared<std::string>();
  auto* alerts = app.add_subcommand("alerts", "flagged records, critical first");
  alerts->add_option("--db", *alerts_db, "clinic database")->required();
  alerts->callback([alerts_db, &exit_code] { exit_code = run_alerts(*alerts_db); });

  auto fleet_db = std::make_shared<std::string>();
  auto* fleet = app.add_subcommand("fleet", "kiosks with last heartbeat, queue depth and clock skew");
  fleet->add_option("--db", *fleet_db, "clinic database")->required();
  fleet->callback([fleet_db, &exit_code] { exit_code = run_fleet(*fleet_db); });
}

}  // namespace outpost::clinic
