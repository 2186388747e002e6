#include "sync/clinic_ingest.h"

#include <sodium.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "kiosk/env.h"
#include "kiosk/patient_code.h"
#include "sync/bundle.h"
#include "sync/payload.h"
#include "sync/receipt.h"
#include "sync/seal.h"

namespace outpost::sync {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// One stored form of a patient code: the 9 checked digits. A code that fails
// its check (only kiosks before 0.3 could send one) is kept as sent and
// flagged, never dropped.
void set_subject(ClinicRecord& r, const std::string& sent) {
  if (sent.empty()) return;
  const PatientCodeCheck c = check_patient_code(sent);
  if (c.error == PatientCodeError::ok) {
    r.subject = c.normalized;
  } else {
    r.subject = sent;
    r.flags.push_back("subject-unchecked");
  }
}

std::string hash_hex(std::span<const std::uint8_t> bytes) {
  std::array<std::uint8_t, 32> h{};
  crypto_generichash(h.data(), h.size(), bytes.data(), bytes.size(), nullptr, 0);
  std::string hex(h.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), h.data(), h.size());
  hex.pop_back();
  return hex;
}

// Bundles (at most 16 MiB, or one bigger record), heartbeats, questionnaires.
constexpr std::size_t kMaxFileBytes = 64 << 20;

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Builds the clinic's row for one opened record. When it cannot, the
// message says why the clinic cannot use the record yet (Errc::not_found:
// its questionnaire is not in the library) and names the questionnaire and
// items involved, never an answer; `questionnaire` is set to the
// "url|version" such a message names.
Result<ClinicRecord> to_clinic_record(const Record& rec, const SecretBytes& plain, const std::string& kiosk_id,
                                      std::uint64_t seq, const QuestionnaireLibrary& lib,
                                      std::string& questionnaire) {
  questionnaire.clear();
  ClinicRecord r;
  r.id = rec.id.to_string();
  r.kiosk_id = kiosk_id;
  r.bundle_seq = seq;
  r.kind = kind_name(rec.kind);
  r.priority = static_cast<int>(rec.priority);
  r.created_ms = rec.id.unix_ts_ms();
  const std::string_view payload = plain.view();
  if (rec.kind == RecordKind::questionnaire_response) {
    auto key = checkin_questionnaire(payload);
    if (!key.ok()) return key.status();
    questionnaire = *key;
    const Questionnaire* q = lib.find(*key);
    if (q == nullptr) return Status(Errc::not_found, "questionnaire '" + *key + "' is not in the library");
    auto in_questionnaire = [&](const Status& s) {
      return Status(s.code(), "questionnaire '" + *key + "': " + s.message());
    };
    auto checkin = decode_checkin(*q, payload);
    if (!checkin.ok()) return in_questionnaire(checkin.status());
    auto a = assess(*q, checkin->answers);
    if (!a.ok()) return in_questionnaire(a.status());
    auto fhir = reconstruct_response(*q, payload);
    if (!fhir.ok()) return in_questionnaire(fhir.status());
    r.questionnaire = *key;
    r.score = a->score;
    if (a->band) r.severity = a->band->label;
    r.flags = a->flags;
    set_subject(r, checkin->meta.subject);
    r.authored = checkin->meta.authored;
    r.body = fhir->dump();
    return r;
  }
  if (rec.kind == RecordKind::media_event) {
    // Checked field by field: the export turns it into an Observation
    // (docs/design.md, "Media events"); a bad one is quarantined.
    auto event = decode_media_event(payload);
    if (!event.ok()) return event.status();
    set_subject(r, event->meta.subject);
    r.authored = event->meta.authored;
    r.body = json::parse(payload).dump();
    return r;
  }
  json j = json::parse(payload, nullptr, false);
  if (j.is_discarded()) return Status(Errc::corrupt, std::string(kind_name(rec.kind)) + " payload is not JSON");
  if (rec.kind == RecordKind::crisis_alert) r.flags = {"critical"};
  if (j.is_object()) {
    if (j.contains("q") && j["q"].is_string()) r.questionnaire = j["q"].get<std::string>();
    if (j.contains("s") && j["s"].is_string()) set_subject(r, j["s"].get<std::string>());
    if (j.contains("t") && j["t"].is_string()) r.authored = j["t"].get<std::string>();
  }
  r.body = j.dump();
  return r;
}

}  // namespace

Result<QuestionnaireLibrary> QuestionnaireLibrary::load(const fs::path& dir, const CrisisRules& rules, Env& env) {
  QuestionnaireLibrary lib;
  auto names = env.list(dir);
  if (!names.ok()) return Status(Errc::not_found, "cannot list questionnaires: " + names.status().message());
  std::vector<fs::path> files;
  for (const std::string& n : *names) {
    if (fs::path(n).extension() == ".json") files.push_back(dir / n);
  }
  for (const auto& f : files) {
    auto text = env.read(f, kMaxFileBytes, "file");
    if (!text.ok()) return text.status();
    auto q = Questionnaire::parse(*text, f.string());
    if (!q.ok()) return q.status();
    for (const auto& p : rules.apply(*q).problems) lib.warnings_.push_back(f.string() + ": " + p);
    for (const RiskItem& r : uncovered_risk_items(*q)) lib.warnings_.push_back(f.string() + ": " + r.warning());
    std::string key = q->url() + "|" + q->version();
    lib.by_key_.emplace(std::move(key), std::move(q.value()));
  }
  return lib;
}

const Questionnaire* QuestionnaireLibrary::find(std::string_view url_version) const {
  auto it = by_key_.find(url_version);
  return it == by_key_.end() ? nullptr : &it->second;
}

namespace {

// The generation in a version 2 bundle name
// "<kiosk>-<16 hex>-<10 digits>-<32 hex>.opb", or "" when it has none.
std::string generation_in_name(const std::string& name, const std::string& kiosk) {
  const std::size_t tail = 1 + 16 + 1 + 10 + 1 + 32 + 4;
  if (name.size() != kiosk.size() + tail || !name.starts_with(kiosk + "-") || !name.ends_with(".opb")) return "";
  std::string gen = name.substr(kiosk.size() + 1, 16);
  return generation_from_hex(gen) ? gen : "";
}

}  // namespace

// A kiosk clock further than this from the drop box's at bundle time is wrong.
constexpr std::int64_t kClockTolerance = 10 * 60'000;

Status Ingester::ingest_bundle(std::string_view rel_path, std::span<const std::uint8_t> bytes, IngestReport& report,
                               std::optional<std::int64_t> received_ms) {
  const fs::path p(rel_path);
  const std::string file_name = p.filename().string();
  // The inbox folder names the kiosk whose certificate wrote the file; a
  // rejection is filed there so that kiosk's receipt can tell it.
  const std::string inbox = p.has_parent_path() ? p.parent_path().filename().string() : "";
  Status store_error = Status::Ok();
  auto reject = [&](const std::string& reason) {
    ++report.rejected_bundles;
    report.rejections.push_back(std::string(rel_path) + ": " + reason);
    if (validate_kiosk_id(inbox).ok()) {
      store_error = store_.record_rejection(
          {inbox, generation_in_name(file_name, inbox), file_name, reason, clock_.wall_ms()});
    }
    return store_error;
  };
  auto parsed = parse_bundle(bytes);
  if (!parsed.ok()) return reject("corrupt: " + parsed.status().message());
  const Bundle& b = *parsed;
  const std::string& kiosk = b.header.kiosk_id;
  auto key = registered_kiosk_key(clinic_, kiosk);
  if (!key.ok() && key.status().code() == Errc::unauthorized)
    return reject("unknown kiosk '" + kiosk + "': no enrolled key");
  if (!key.ok()) return reject("kiosk '" + kiosk + "': " + key.status().message());  // its key file is bad
  if (Status s = verify_bundle(b, *key); !s.ok()) return reject("tampered: " + s.message());

  // Placement: the drop box files a kiosk's bundles under inbox/<kiosk>/
  // with the name the kiosk gave them, which is derived from the bytes; a
  // signed bundle anywhere else was copied there.
  const std::string expected = bundle_file_name(b.header, bytes);
  if (file_name != expected) {
    return reject("replayed: bundle " + expected + " presented as '" + file_name + "'");
  }
  if (p.has_parent_path() && inbox != kiosk) {
    return reject("replayed: bundle of kiosk '" + kiosk + "' found in the folder of '" + inbox + "'");
  }
  const std::string hash = hash_hex(bytes);
  const std::string generation = b.header.version == kBundleVersionV1 ? "" : generation_hex(b.header.generation);
  auto seen = store_.bundle_seen(kiosk, generation, b.header.seq, hash);
  if (!seen.ok()) return seen.status();
  if (*seen == BundleSeen::same) {
    ++report.known_bundles;
    return Status::Ok();
  }
  if (*seen == BundleSeen::different) {
    return reject("replayed: sequence " + std::to_string(b.header.seq) + " of kiosk '" + kiosk +
                  "' was already ingested with different content");
  }

  // A wrong kiosk clock: the bundle says when it was made on the kiosk's
  // clock and its mono; records of the same boot are placed on the drop
  // box's clock by their mono difference (docs/design.md, "Records").
  const std::int64_t received = received_ms.value_or(clock_.wall_ms());
  const std::int64_t skew = b.header.created_ms - received;
  const bool clock_wrong = skew > kClockTolerance || skew < -kClockTolerance;

  std::vector<ClinicRecord> rows;
  std::vector<std::string> seals;
  std::vector<QuarantinedRecord> quarantine;
  rows.reserve(b.records.size());
  for (std::size_t i = 0; i < b.records.size(); ++i) {
    const Record& rec = b.records[i];
    // A seal that does not open is tampering or a moved payload: the whole
    // bundle goes.
    auto plain = open_record(rec, kiosk, seal_scheme(b.header), sealing_, dicts_);
    if (!plain.ok()) return reject("record " + std::to_string(i) + " cannot be opened: " + plain.status().message());
    // A sealed payload belongs to one record: the same bytes under another
    // id were taken from a bundle and re-signed.
    std::string seal = hash_hex(rec.sealed);
    auto owner = store_.seal_owner(seal);
    if (!owner.ok()) return owner.status();
    if (!owner->empty() && *owner != rec.id.to_string()) {
      return reject("replayed: record " + rec.id.to_string() + " carries the sealed payload of record " + *owner);
    }
    std::optional<std::int64_t> corrected;
    std::string clock_note;
    if (clock_wrong) {
      const std::string off = std::to_string(skew / 1000) + " s";
      if (rec.boot_id == b.header.boot_id && rec.mono_ms <= b.header.mono_ms) {
        corrected = received - static_cast<std::int64_t>(b.header.mono_ms - rec.mono_ms);
        clock_note = "kiosk clock off by " + off + "; time corrected from the bundle's mono clock";
      } else {
        clock_note = "kiosk clock off by " + off + "; made in an earlier boot, time not corrected";
      }
    }
    std::string questionnaire;
    auto row = to_clinic_record(rec, *plain, kiosk, b.header.seq, questionnaires_, questionnaire);
    if (!row.ok()) {
      // Delivered and genuine, but not usable yet: the clinic keeps it
      // sealed until `quarantine retry`, and the rest of the bundle is stored.
      quarantine.push_back({rec, kiosk, generation, b.header.seq, b.header.version, seal, corrected, clock_note,
                            questionnaire, row.status().message(), clock_.wall_ms()});
      continue;
    }
    row->corrected_ms = corrected;
    row->clock_note = std::move(clock_note);
    rows.push_back(std::move(row.value()));
    seals.push_back(std::move(seal));
  }
  IngestedBundle ib{kiosk, generation, b.header.seq, hash, clock_.wall_ms(), std::string(rel_path)};
  auto counts = store_.import_bundle(ib, rows, seals, quarantine);
  if (!counts.ok()) return counts.status();
  report.new_records += counts->added;
  report.quarantined_records += counts->quarantined.size();
  report.duplicate_records += rows.size() + quarantine.size() - counts->added - counts->quarantined.size();
  for (std::size_t i : counts->quarantined) {
    const QuarantinedRecord& q = quarantine[i];
    report.quarantines.push_back(std::string(rel_path) + ": record " + q.record.id.to_string() + ": " + q.reason);
  }
  return Status::Ok();
}

Status Ingester::retry_quarantined(RetryReport& report) {
  auto held = store_.quarantined();
  if (!held.ok()) return held.status();
  for (const QuarantinedRecord& q : *held) {
    const std::string id = q.record.id.to_string();
    BundleHeader h;
    h.version = q.bundle_version;
    std::string reason;
    std::string questionnaire;
    auto plain = open_record(q.record, q.kiosk_id, seal_scheme(h), sealing_, dicts_);
    if (plain.ok()) {
      auto row = to_clinic_record(q.record, *plain, q.kiosk_id, q.bundle_seq, questionnaires_, questionnaire);
      if (row.ok()) {
        row->corrected_ms = q.corrected_ms;
        row->clock_note = q.clock_note;
        auto added = store_.release_quarantined(*row);
        if (!added.ok()) return added.status();
        ++(*added ? report.imported : report.duplicate);
        continue;
      }
      reason = row.status().message();
    } else {
      // It opened at ingest: the sealing key or the dictionaries given now
      // are not the ones the clinic used then.
      reason = "cannot be opened: " + plain.status().message();
      questionnaire = q.questionnaire;
    }
    if (reason != q.reason || questionnaire != q.questionnaire) {
      if (Status s = store_.update_quarantined(id, reason, questionnaire); !s.ok()) return s;
    }
    ++report.remaining;
    report.reasons.push_back("record " + id + ": " + reason);
  }
  return Status::Ok();
}

Status Ingester::write_receipts(const fs::path& dir, const SigningSecretKey& clinic_key, IngestReport& report) {
  auto kiosks = store_.kiosks();
  if (!kiosks.ok()) return kiosks.status();
  // The drop box's server (another user) reads receipts: the folder is made
  // 0755 whatever the tool's umask (outpost-clinic runs with 077).
  if (dir.has_parent_path()) {
    if (Status s = env_.create_dirs(dir.parent_path()); !s.ok()) return s;
  }
  if (Status s = env_.create_dir(dir, 0755); !s.ok()) {
    return Status(s.code(), "cannot create the receipts folder: " + s.message());
  }
  for (const std::string& kiosk : *kiosks) {
    if (!validate_kiosk_id(kiosk).ok()) continue;
    auto entries = store_.receipt_entries(kiosk);
    if (!entries.ok()) return entries.status();
    if (entries->empty()) continue;
    Receipt r{kiosk, clock_.wall_ms(), std::move(*entries)};
    const Bytes bytes = encode_receipt(r, clinic_key);
    // World-readable on purpose: the drop box's server reads it, and it
    // holds no patient data.
    // A reader sees the old receipt or the new one, and the drop box's ETag
    // changes with every receipt (newer_mtime).
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (Status s = env_.write_atomic(dir / (kiosk + ".json"), text,
                                     {0644, /*exact_mode=*/true, /*replace=*/true, /*newer_mtime=*/true});
        !s.ok())
      return s;
    ++report.receipts;
  }
  return Status::Ok();
}

Status Ingester::ingest_heartbeat(std::string_view rel_path, std::span<const std::uint8_t> bytes,
                                  std::int64_t received_ms, IngestReport& report) {
  auto reject = [&](const std::string& reason) {
    report.rejections.push_back(std::string(rel_path) + ": heartbeat " + reason);
    return Status::Ok();
  };
  auto hb = parse_heartbeat(bytes);
  if (!hb.ok()) return reject(hb.status().message());
  auto key = registered_kiosk_key(clinic_, hb->kiosk_id);
  if (!key.ok() && key.status().code() == Errc::unauthorized)
    return reject("from unknown kiosk '" + hb->kiosk_id + "'");
  if (!key.ok()) return reject("of kiosk '" + hb->kiosk_id + "': " + key.status().message());
  auto verified = verify_heartbeat(bytes, *key);
  if (!verified.ok()) return reject(verified.status().message());
  if (fs::path(rel_path).filename() != hb->kiosk_id + ".json") return reject("misplaced");
  if (Status s = store_.put_heartbeat(*verified, received_ms); !s.ok()) return s;
  ++report.heartbeats;
  return Status::Ok();
}

namespace {

// Folders below the drop box's root: inbox/<kiosk>/, status/. Deeper than
// this is not a drop box (and a folder link that loops ends here).
constexpr int kMaxDepth = 8;

// The relative paths of the plain files below `root`/`rel`, skipping names
// that start with '.' (temp files, and folders of them), anything that is
// neither a file nor a folder (a FIFO, a device), and folders that are
// symbolic links (they may loop or point out of the drop box). A name that
// cannot be looked at goes into `problems` and the walk goes on.
Status walk(Env& env, const fs::path& root, const fs::path& rel, int depth, std::vector<fs::path>& files,
            std::vector<std::string>& problems) {
  auto names = env.list(root / rel);
  if (!names.ok()) return Status(Errc::io_error, "cannot list: " + names.status().message());
  for (const std::string& n : *names) {
    if (n.starts_with(".")) continue;
    auto info = env.stat(root / rel / n);
    if (!info.ok()) {
      problems.push_back(info.status().message());
      continue;
    }
    if (!info->has_value()) continue;  // gone meanwhile
    if ((*info)->regular) {
      files.push_back(rel / n);
    } else if ((*info)->directory && !(*info)->symlink && depth < kMaxDepth) {
      if (Status s = walk(env, root, rel / n, depth + 1, files, problems); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

}  // namespace

Status Ingester::ingest_folder(const fs::path& root, IngestReport& report) {
  auto top = env_.stat(root);
  if (!top.ok()) return top.status();
  if (!top->has_value() || !(*top)->directory) return Status(Errc::not_found, root.string() + ": not a folder");
  std::vector<fs::path> files, bundles, statuses;
  if (Status s = walk(env_, root, fs::path(), 0, files, report.rejections); !s.ok()) return s;
  for (const fs::path& rel : files) {
    if (rel.extension() == ".opb") bundles.push_back(rel);
    if (rel.extension() == ".json" && rel.parent_path().filename() == "status") statuses.push_back(rel);
  }
  std::sort(bundles.begin(), bundles.end());
  std::sort(statuses.begin(), statuses.end());
  // When the drop box stored it: the file's mtime.
  auto stored_ms = [&](const fs::path& rel) -> std::optional<std::int64_t> {
    auto info = env_.stat(root / rel);
    if (!info.ok() || !info->has_value()) return std::nullopt;
    return (*info)->mtime_ms;
  };
  for (const auto& rel : bundles) {
    auto bytes = env_.read(root / rel, kMaxFileBytes, "file");
    if (!bytes.ok()) {  // an empty, huge or unreadable file is rejected; the others still go in
      ++report.rejected_bundles;
      report.rejections.push_back(bytes.status().message());
      continue;
    }
    if (Status s = ingest_bundle(rel.string(), as_bytes(*bytes), report, stored_ms(rel)); !s.ok()) return s;
  }
  for (const auto& rel : statuses) {
    auto bytes = env_.read(root / rel, kMaxFileBytes, "file");
    if (!bytes.ok()) {
      report.rejections.push_back(bytes.status().message());
      continue;
    }
    const std::int64_t received = stored_ms(rel).value_or(clock_.wall_ms());
    if (Status s = ingest_heartbeat(rel.string(), as_bytes(*bytes), received, report); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace outpost::sync
