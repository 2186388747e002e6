#include "sync/clinic_ingest.h"

#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "kiosk/file_read.h"
#include "sync/bundle.h"
#include "sync/payload.h"
#include "sync/seal.h"

namespace outpost::sync {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string hash_hex(std::span<const std::uint8_t> bytes) {
  std::array<std::uint8_t, 32> h{};
  crypto_generichash(h.data(), h.size(), bytes.data(), bytes.size(), nullptr, 0);
  std::string hex(h.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), h.data(), h.size());
  hex.pop_back();
  return hex;
}

// Bundles (at most 16 MiB, or one bigger record), heartbeats, questionnaires.
Result<std::string> read_file(const fs::path& file) {
  return read_file_checked(file, 64 << 20, "file");
}

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Builds the clinic's row for one opened record; Errc::not_found when its
// questionnaire is not in the library.
Result<ClinicRecord> to_clinic_record(const Record& rec, const SecretBytes& plain, const std::string& kiosk_id,
                                      std::uint64_t seq, const QuestionnaireLibrary& lib) {
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
    const Questionnaire* q = lib.find(*key);
    if (q == nullptr) {
      return Status(Errc::not_found, "record " + r.id + ": questionnaire '" + *key + "' is not in the library");
    }
    auto checkin = decode_checkin(*q, payload);
    if (!checkin.ok()) return checkin.status();
    auto a = assess(*q, checkin->answers);
    if (!a.ok()) return a.status();
    auto fhir = reconstruct_response(*q, payload);
    if (!fhir.ok()) return fhir.status();
    r.questionnaire = *key;
    r.score = a->score;
    if (a->band) r.severity = a->band->label;
    r.flags = a->flags;
    r.subject = checkin->meta.subject;
    r.authored = checkin->meta.authored;
    r.body = fhir->dump();
    return r;
  }
  json j = json::parse(payload, nullptr, false);
  if (j.is_discarded()) return Status(Errc::corrupt, "record " + r.id + ": payload is not JSON");
  if (rec.kind == RecordKind::crisis_alert) r.flags = {"critical"};
  if (j.is_object()) {
    if (j.contains("q") && j["q"].is_string()) r.questionnaire = j["q"].get<std::string>();
    if (j.contains("s") && j["s"].is_string()) r.subject = j["s"].get<std::string>();
    if (j.contains("t") && j["t"].is_string()) r.authored = j["t"].get<std::string>();
  }
  r.body = j.dump();
  return r;
}

}  // namespace

Result<QuestionnaireLibrary> QuestionnaireLibrary::load(const fs::path& dir) {
  QuestionnaireLibrary lib;
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  if (ec) return Status(Errc::not_found, dir.string() + ": cannot list questionnaires: " + ec.message());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto text = read_file(f);
    if (!text.ok()) return text.status();
    auto q = Questionnaire::parse(*text, f.string());
    if (!q.ok()) return q.status();
    std::string key = q->url() + "|" + q->version();
    lib.by_key_.emplace(std::move(key), std::move(q.value()));
  }
  return lib;
}

const Questionnaire* QuestionnaireLibrary::find(std::string_view url_version) const {
  auto it = by_key_.find(url_version);
  return it == by_key_.end() ? nullptr : &it->second;
}

Status Ingester::ingest_bundle(std::string_view rel_path, std::span<const std::uint8_t> bytes, IngestReport& report) {
  auto reject = [&](const std::string& reason) {
    ++report.rejected_bundles;
    report.rejections.push_back(std::string(rel_path) + ": " + reason);
    return Status::Ok();
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
  // with the name the kiosk gave them; a signed bundle anywhere else was
  // copied there.
  const fs::path p(rel_path);
  const std::string expected = bundle_file_name(b.header);
  if (p.filename() != expected) {
    return reject("replayed: bundle " + expected + " presented as '" + p.filename().string() + "'");
  }
  if (p.has_parent_path() && p.parent_path().filename() != kiosk) {
    return reject("replayed: bundle of kiosk '" + kiosk + "' found in the folder of '" +
                  p.parent_path().filename().string() + "'");
  }
  const std::string hash = hash_hex(bytes);
  auto seen = store_.bundle_seen(kiosk, b.header.seq, hash);
  if (!seen.ok()) return seen.status();
  if (*seen == BundleSeen::same) {
    ++report.known_bundles;
    return Status::Ok();
  }
  if (*seen == BundleSeen::different) {
    return reject("replayed: sequence " + std::to_string(b.header.seq) + " of kiosk '" + kiosk +
                  "' was already ingested with different content");
  }

  std::vector<ClinicRecord> rows;
  rows.reserve(b.records.size());
  for (std::size_t i = 0; i < b.records.size(); ++i) {
    auto plain = open_record(b.records[i], sealing_, dicts_);
    if (!plain.ok()) return reject("record " + std::to_string(i) + " cannot be opened: " + plain.status().message());
    auto row = to_clinic_record(b.records[i], *plain, kiosk, b.header.seq, questionnaires_);
    if (!row.ok()) return reject(row.status().message());
    rows.push_back(std::move(row.value()));
  }
  IngestedBundle ib{kiosk, b.header.seq, hash, clock_.wall_ms(), std::string(rel_path)};
  auto added = store_.import_bundle(ib, rows);
  if (!added.ok()) return added.status();
  report.new_records += *added;
  report.duplicate_records += rows.size() - *added;
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

Status Ingester::ingest_folder(const fs::path& root, IngestReport& report) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return Status(Errc::not_found, root.string() + ": not a folder");
  std::vector<fs::path> bundles, statuses;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const fs::path& p = it->path();
    if (p.filename().string().starts_with(".")) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    const fs::path rel = fs::relative(p, root);
    if (p.extension() == ".opb") bundles.push_back(rel);
    if (p.extension() == ".json" && rel.parent_path().filename() == "status") statuses.push_back(rel);
  }
  if (ec) return Status(Errc::io_error, root.string() + ": cannot list: " + ec.message());
  std::sort(bundles.begin(), bundles.end());
  std::sort(statuses.begin(), statuses.end());
  for (const auto& rel : bundles) {
    auto bytes = read_file(root / rel);
    if (!bytes.ok()) {  // an empty, huge or unreadable file is rejected; the others still go in
      ++report.rejected_bundles;
      report.rejections.push_back(bytes.status().message());
      continue;
    }
    if (Status s = ingest_bundle(rel.string(), as_bytes(*bytes), report); !s.ok()) return s;
  }
  for (const auto& rel : statuses) {
    auto bytes = read_file(root / rel);
    if (!bytes.ok()) {
      report.rejections.push_back(bytes.status().message());
      continue;
    }
    struct stat st{};
    std::int64_t received = clock_.wall_ms();
    if (::stat((root / rel).c_str(), &st) == 0) {
      received = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
    }
    if (Status s = ingest_heartbeat(rel.string(), as_bytes(*bytes), received, report); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace outpost::sync
