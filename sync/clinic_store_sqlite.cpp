#include "sync/clinic_store_sqlite.h"

#include "sync/sqlite_db.h"

#include <sodium.h>

#include <cstring>
#include <map>
#include <sstream>

namespace outpost::sync {

namespace {

constexpr const char* kPragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;";
// Format 2 (user_version 2). Format 1 (user_version 0) is upgraded in place.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS bundles(
  kiosk TEXT NOT NULL, generation TEXT NOT NULL DEFAULT '', seq INTEGER NOT NULL, hash TEXT NOT NULL,
  received_ms INTEGER NOT NULL, source TEXT NOT NULL, records INTEGER NOT NULL,
  new_records INTEGER NOT NULL, PRIMARY KEY(kiosk, generation, seq));
CREATE TABLE IF NOT EXISTS records(
  id TEXT PRIMARY KEY, kiosk TEXT NOT NULL, bundle_seq INTEGER NOT NULL,
  kind TEXT NOT NULL, priority INTEGER NOT NULL, created_ms INTEGER NOT NULL,
  questionnaire TEXT NOT NULL, score REAL, severity TEXT NOT NULL,
  flags TEXT NOT NULL, subject TEXT NOT NULL, authored TEXT NOT NULL, body TEXT NOT NULL,
  corrected_ms INTEGER, clock_note TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS seals(digest TEXT PRIMARY KEY, record_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rejections(
  kiosk TEXT NOT NULL, generation TEXT NOT NULL, name TEXT NOT NULL, reason TEXT NOT NULL,
  received_ms INTEGER NOT NULL, PRIMARY KEY(kiosk, name));
CREATE TABLE IF NOT EXISTS heartbeats(
  kiosk TEXT PRIMARY KEY, version TEXT NOT NULL, clock_ms INTEGER NOT NULL,
  received_ms INTEGER NOT NULL, queue_depth INTEGER NOT NULL, oldest_queued_ms INTEGER,
  disk_free_bytes INTEGER NOT NULL, last_error TEXT NOT NULL,
  generation TEXT NOT NULL DEFAULT '', hb_seq INTEGER NOT NULL DEFAULT 0,
  unconfirmed INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,
  last_rejection TEXT NOT NULL DEFAULT '');
PRAGMA user_version = 2;
)sql";
// Part of format 2: records that opened but could not be imported yet, kept
// sealed (docs/design.md, "Clinic server layout"). The table came late in
// format 2's development cycle, so every open makes sure it exists (a
// format 1 database gets it with the rest on its upgrade).
constexpr const char* kQuarantineTable = R"sql(
CREATE TABLE IF NOT EXISTS quarantine(
  record_id TEXT PRIMARY KEY, kiosk TEXT NOT NULL, generation TEXT NOT NULL, bundle_seq INTEGER NOT NULL,
  bundle_version INTEGER NOT NULL, kind INTEGER NOT NULL, priority INTEGER NOT NULL, boot_id BLOB NOT NULL,
  mono_ms INTEGER NOT NULL, seq INTEGER NOT NULL, dict_id INTEGER NOT NULL, sealed BLOB NOT NULL,
  seal_digest TEXT NOT NULL, corrected_ms INTEGER, clock_note TEXT NOT NULL,
  questionnaire TEXT NOT NULL, reason TEXT NOT NULL, since_ms INTEGER NOT NULL);
)sql";
// Format 1 had bundles keyed by (kiosk, seq) and no generation.
constexpr const char* kUpgrade1 = R"sql(
ALTER TABLE bundles RENAME TO bundles_v1;
ALTER TABLE heartbeats RENAME TO heartbeats_v1;
ALTER TABLE records ADD COLUMN corrected_ms INTEGER;
ALTER TABLE records ADD COLUMN clock_note TEXT NOT NULL DEFAULT '';
)sql";
constexpr const char* kUpgrade1Copy = R"sql(
INSERT INTO bundles(kiosk, generation, seq, hash, received_ms, source, records, new_records)
  SELECT kiosk, '', seq, hash, received_ms, source, records, new_records FROM bundles_v1;
INSERT INTO heartbeats(kiosk, version, clock_ms, received_ms, queue_depth, oldest_queued_ms, disk_free_bytes, last_error)
  SELECT kiosk, version, clock_ms, received_ms, queue_depth, oldest_queued_ms, disk_free_bytes, last_error FROM heartbeats_v1;
DROP TABLE bundles_v1;
DROP TABLE heartbeats_v1;
)sql";

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, ',')) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

std::string text_at(sqlite3_stmt* s, int col) {
  const unsigned char* t = sqlite3_column_text(s, col);
  return t ? reinterpret_cast<const char*>(t) : "";
}

void bind_text(sqlite3_stmt* s, int col, const std::string& text) {
  sqlite3_bind_text(s, col, text.c_str(), -1, SQLITE_TRANSIENT);
}

void bind_optional(sqlite3_stmt* s, int col, const std::optional<std::int64_t>& v) {
  if (v) {
    sqlite3_bind_int64(s, col, *v);
  } else {
    sqlite3_bind_null(s, col);
  }
}

constexpr const char* kInsertRecord =
    "INSERT OR IGNORE INTO records(id,kiosk,bundle_seq,kind,priority,created_ms,questionnaire,score,severity,"
    "flags,subject,authored,body,corrected_ms,clock_note) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

// Runs kInsertRecord for `r` on `s`; returns whether a row was added.
Result<bool> insert_record(const SqliteDb& db, sqlite3_stmt* s, const ClinicRecord& r) {
  sqlite3_reset(s);
  bind_text(s, 1, r.id);
  bind_text(s, 2, r.kiosk_id);
  sqlite3_bind_int64(s, 3, static_cast<sqlite3_int64>(r.bundle_seq));
  bind_text(s, 4, r.kind);
  sqlite3_bind_int(s, 5, r.priority);
  sqlite3_bind_int64(s, 6, r.created_ms);
  bind_text(s, 7, r.questionnaire);
  if (r.score) {
    sqlite3_bind_double(s, 8, *r.score);
  } else {
    sqlite3_bind_null(s, 8);
  }
  bind_text(s, 9, r.severity);
  bind_text(s, 10, join(r.flags));
  bind_text(s, 11, r.subject);
  bind_text(s, 12, r.authored);
  bind_text(s, 13, r.body);
  bind_optional(s, 14, r.corrected_ms);
  bind_text(s, 15, r.clock_note);
  if (sqlite3_step(s) != SQLITE_DONE) return db.error("insert record " + r.id);
  return sqlite3_changes(db.get()) > 0;
}

constexpr const char* kUnquarantine = "DELETE FROM quarantine WHERE record_id=?";

Status unquarantine(const SqliteDb& db, sqlite3_stmt* s, const std::string& record_id) {
  sqlite3_reset(s);
  bind_text(s, 1, record_id);
  if (sqlite3_step(s) != SQLITE_DONE) return db.error("take record " + record_id + " out of the quarantine");
  return Status::Ok();
}

}  // namespace

struct SqliteClinicStore::Db : SqliteDb {};

SqliteClinicStore::SqliteClinicStore(std::unique_ptr<Db> db) : db_(std::move(db)) {}
SqliteClinicStore::~SqliteClinicStore() = default;

Result<std::unique_ptr<SqliteClinicStore>> SqliteClinicStore::open(const std::filesystem::path& file) {
  auto db = std::make_unique<Db>();
  db->file = file.string();
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  db->handle.reset(raw);
  if (rc != SQLITE_OK) {
    if (!raw) return Status(Errc::internal, "sqlite: out of memory");
    return db->error(rc, "open the clinic database");
  }
  sqlite3_busy_timeout(raw, 5000);
  if (Status s = db->exec(kPragmas, "configure the clinic database"); !s.ok()) return s;
  auto version = db->prepare("PRAGMA user_version");
  if (!version.ok()) return version.status();
  if (int r = sqlite3_step(version->get()); r != SQLITE_ROW) return db->error(r, "read the clinic database format");
  const int user_version = sqlite3_column_int(version->get(), 0);
  version->reset();
  if (user_version > 2) return Status(Errc::corrupt, db->file + ": clinic database format " +
                                                         std::to_string(user_version) + " is newer than this program");
  if (user_version < 2) {
    auto old = db->prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name='bundles'");
    if (!old.ok()) return old.status();
    const bool upgrade = sqlite3_step(old->get()) == SQLITE_ROW;
    old->reset();
    SqliteTransaction tx(*db);
    if (Status s = tx.begin(); !s.ok()) return s;
    if (upgrade) {
      if (Status s = db->exec(kUpgrade1, "upgrade the clinic database"); !s.ok()) return s;
    }
    if (Status s = db->exec(kSchema, "create the clinic database schema"); !s.ok()) return s;
    if (Status s = db->exec(kQuarantineTable, "create the quarantine table"); !s.ok()) return s;
    if (upgrade) {
      if (Status s = db->exec(kUpgrade1Copy, "upgrade the clinic database"); !s.ok()) return s;
    }
    if (Status s = tx.commit(); !s.ok()) return s;
  } else if (Status s = db->exec(kQuarantineTable, "create the quarantine table"); !s.ok()) {
    return s;
  }
  return std::unique_ptr<SqliteClinicStore>(new SqliteClinicStore(std::move(db)));
}

Result<BundleSeen> SqliteClinicStore::bundle_seen(const std::string& kiosk_id, const std::string& generation,
                                                  std::uint64_t seq, const std::string& hash) {
  auto st = db_->prepare("SELECT hash FROM bundles WHERE kiosk=? AND generation=? AND seq=?");
  if (!st.ok()) return st.status();
  sqlite3_bind_text(st->get(), 1, kiosk_id.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st->get(), 2, generation.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st->get(), 3, static_cast<sqlite3_int64>(seq));
  const int rc = sqlite3_step(st->get());
  if (rc == SQLITE_DONE) return BundleSeen::no;
  if (rc != SQLITE_ROW) return db_->error("read bundles");
  return text_at(st->get(), 0) == hash ? BundleSeen::same : BundleSeen::different;
}

Result<std::string> SqliteClinicStore::seal_owner(const std::string& seal_digest) {
  auto st = db_->prepare("SELECT record_id FROM seals WHERE digest=?");
  if (!st.ok()) return st.status();
  sqlite3_bind_text(st->get(), 1, seal_digest.c_str(), -1, SQLITE_TRANSIENT);
  const int rc = sqlite3_step(st->get());
  if (rc == SQLITE_DONE) return std::string();
  if (rc != SQLITE_ROW) return db_->error("read seals");
  return text_at(st->get(), 0);
}

Status SqliteClinicStore::record_rejection(const BundleRejection& r) {
  auto st = db_->prepare(
      "INSERT OR IGNORE INTO rejections(kiosk, generation, name, reason, received_ms) VALUES(?,?,?,?,?)");
  if (!st.ok()) return st.status();
  sqlite3_stmt* s = st->get();
  sqlite3_bind_text(s, 1, r.kiosk_id.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 2, r.generation.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 3, r.name.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 4, r.reason.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 5, r.received_ms);
  if (sqlite3_step(s) != SQLITE_DONE) return db_->error("store rejection");
  return Status::Ok();
}

Result<std::vector<std::string>> SqliteClinicStore::kiosks() {
  auto st = db_->prepare("SELECT kiosk FROM bundles UNION SELECT kiosk FROM rejections ORDER BY 1");
  if (!st.ok()) return st.status();
  std::vector<std::string> out;
  int rc;
  while ((rc = sqlite3_step(st->get())) == SQLITE_ROW) out.push_back(text_at(st->get(), 0));
  if (rc != SQLITE_DONE) return db_->error("list kiosks");
  return out;
}

Result<std::vector<ReceiptOutbox>> SqliteClinicStore::receipt_entries(const std::string& kiosk_id) {
  std::map<std::string, ReceiptOutbox> by_gen;
  auto entry = [&](const std::string& gen) -> ReceiptOutbox* {
    auto g = generation_from_hex(gen);
    if (!g) return nullptr;
    auto [it, added] = by_gen.try_emplace(gen);
    if (added) it->second.generation = *g;
    return &it->second;
  };
  auto st = db_->prepare("SELECT generation, seq, hash FROM bundles WHERE kiosk=? AND generation != '' "
                         "ORDER BY generation, seq");
  if (!st.ok()) return st.status();
  sqlite3_bind_text(st->get(), 1, kiosk_id.c_str(), -1, SQLITE_TRANSIENT);
  int rc;
  while ((rc = sqlite3_step(st->get())) == SQLITE_ROW) {
    ReceiptOutbox* o = entry(text_at(st->get(), 0));
    if (o == nullptr) continue;
    const auto seq = static_cast<std::uint64_t>(sqlite3_column_int64(st->get(), 1));
    const std::string hash = text_at(st->get(), 2);
    BundleDigest d{};
    std::size_t len = 0;
    if (hash.size() < 32 || sodium_hex2bin(d.data(), d.size(), hash.data(), 32, nullptr, &len, nullptr) != 0) continue;
    if (seq == o->through + 1 && o->also.empty()) {
      o->through = seq;
      o->chain = next_chain(o->chain, d);
    } else if (o->also.size() < kReceiptMaxAlso) {
      o->also.push_back({seq, d});
    }
  }
  if (rc != SQLITE_DONE) return db_->error("read bundles");
  auto rj = db_->prepare(
      "SELECT generation, name, reason FROM (SELECT * FROM rejections WHERE kiosk=? ORDER BY received_ms DESC, name "
      "LIMIT ?) ORDER BY received_ms, name");
  if (!rj.ok()) return rj.status();
  sqlite3_bind_text(rj->get(), 1, kiosk_id.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(rj->get(), 2, static_cast<sqlite3_int64>(kReceiptMaxRejected));
  while ((rc = sqlite3_step(rj->get())) == SQLITE_ROW) {
    ReceiptOutbox* o = entry(text_at(rj->get(), 0));
    if (o != nullptr) o->rejected.push_back({text_at(rj->get(), 1), text_at(rj->get(), 2)});
  }
  if (rc != SQLITE_DONE) return db_->error("read rejections");
  std::vector<ReceiptOutbox> out;
  for (auto& [gen, o] : by_gen) out.push_back(std::move(o));
  return out;
}

Result<ImportCounts> SqliteClinicStore::import_bundle(const IngestedBundle& b, std::span<const ClinicRecord> records,
                                                      std::span<const std::string> seal_digests,
                                                      std::span<const QuarantinedRecord> quarantined) {
  SqliteTransaction tx(*db_);
  if (Status s = tx.begin(); !s.ok()) return s;
  auto seal = db_->prepare("INSERT OR IGNORE INTO seals(digest, record_id) VALUES(?,?)");
  if (!seal.ok()) return seal.status();
  auto put_seal = [&](const std::string& digest, const std::string& record_id) -> Status {
    sqlite3_reset(seal->get());
    bind_text(seal->get(), 1, digest);
    bind_text(seal->get(), 2, record_id);
    if (sqlite3_step(seal->get()) != SQLITE_DONE) return db_->error("store seal digest");
    return Status::Ok();
  };
  for (std::size_t i = 0; i < records.size() && i < seal_digests.size(); ++i) {
    if (Status s = put_seal(seal_digests[i], records[i].id); !s.ok()) return s;
  }
  // A quarantined payload's digest is kept too: the same sealed bytes under
  // another record id are a replay whether or not the first was imported.
  for (const QuarantinedRecord& q : quarantined) {
    if (Status s = put_seal(q.seal_digest, q.record.id.to_string()); !s.ok()) return s;
  }
  auto ins = db_->prepare(kInsertRecord);
  if (!ins.ok()) return ins.status();
  auto unq = db_->prepare(kUnquarantine);
  if (!unq.ok()) return unq.status();
  ImportCounts counts;
  for (const ClinicRecord& r : records) {
    auto added = insert_record(*db_, ins->get(), r);
    if (!added.ok()) return added.status();
    if (*added) ++counts.added;
    // Quarantined from an earlier bundle, and fine in this one.
    if (Status s = unquarantine(*db_, unq->get(), r.id); !s.ok()) return s;
  }
  auto qin = db_->prepare(
      "INSERT OR IGNORE INTO quarantine(record_id,kiosk,generation,bundle_seq,bundle_version,kind,priority,boot_id,"
      "mono_ms,seq,dict_id,sealed,seal_digest,corrected_ms,clock_note,questionnaire,reason,since_ms) "
      "SELECT ?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,? WHERE NOT EXISTS(SELECT 1 FROM records WHERE id=?1)");
  if (!qin.ok()) return qin.status();
  for (std::size_t i = 0; i < quarantined.size(); ++i) {
    const QuarantinedRecord& q = quarantined[i];
    sqlite3_stmt* s = qin->get();
    sqlite3_reset(s);
    const std::string id = q.record.id.to_string();
    bind_text(s, 1, id);
    bind_text(s, 2, q.kiosk_id);
    bind_text(s, 3, q.generation);
    sqlite3_bind_int64(s, 4, static_cast<sqlite3_int64>(q.bundle_seq));
    sqlite3_bind_int(s, 5, q.bundle_version);
    sqlite3_bind_int(s, 6, static_cast<int>(q.record.kind));
    sqlite3_bind_int(s, 7, static_cast<int>(q.record.priority));
    sqlite3_bind_blob(s, 8, q.record.boot_id.data(), static_cast<int>(q.record.boot_id.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 9, static_cast<sqlite3_int64>(q.record.mono_ms));
    sqlite3_bind_int64(s, 10, static_cast<sqlite3_int64>(q.record.seq));
    sqlite3_bind_int64(s, 11, q.record.dict_id);
    sqlite3_bind_blob(s, 12, q.record.sealed.data(), static_cast<int>(q.record.sealed.size()), SQLITE_TRANSIENT);
    bind_text(s, 13, q.seal_digest);
    bind_optional(s, 14, q.corrected_ms);
    bind_text(s, 15, q.clock_note);
    bind_text(s, 16, q.questionnaire);
    bind_text(s, 17, q.reason);
    sqlite3_bind_int64(s, 18, q.since_ms);
    if (sqlite3_step(s) != SQLITE_DONE) return db_->error("quarantine record " + id);
    if (sqlite3_changes(db_->get()) > 0) counts.quarantined.push_back(i);
  }
  auto bun = db_->prepare(
      "INSERT INTO bundles(kiosk,generation,seq,hash,received_ms,source,records,new_records) VALUES(?,?,?,?,?,?,?,?)");
  if (!bun.ok()) return bun.status();
  sqlite3_stmt* s = bun->get();
  sqlite3_bind_text(s, 1, b.kiosk_id.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 2, b.generation.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 3, static_cast<sqlite3_int64>(b.seq));
  sqlite3_bind_text(s, 4, b.hash.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 5, b.received_ms);
  sqlite3_bind_text(s, 6, b.source.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 7, static_cast<sqlite3_int64>(records.size()));
  sqlite3_bind_int64(s, 8, static_cast<sqlite3_int64>(counts.added));
  if (sqlite3_step(s) != SQLITE_DONE) return db_->error("insert bundle");
  if (Status c = tx.commit(); !c.ok()) return c;
  return counts;
}

Result<std::vector<QuarantinedRecord>> SqliteClinicStore::quarantined() {
  auto st = db_->prepare(
      "SELECT record_id,kiosk,generation,bundle_seq,bundle_version,kind,priority,boot_id,mono_ms,seq,dict_id,sealed,"
      "seal_digest,corrected_ms,clock_note,questionnaire,reason,since_ms FROM quarantine ORDER BY since_ms, record_id");
  if (!st.ok()) return st.status();
  std::vector<QuarantinedRecord> out;
  sqlite3_stmt* s = st->get();
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    QuarantinedRecord q;
    const std::string id = text_at(s, 0);
    auto rid = RecordId::parse(id);
    auto kind = kind_from_code(static_cast<std::uint8_t>(sqlite3_column_int(s, 5)));
    const int priority = sqlite3_column_int(s, 6);
    if (!rid || !kind || priority < 0 || priority > static_cast<int>(Priority::audit) ||
        sqlite3_column_bytes(s, 7) != static_cast<int>(q.record.boot_id.size())) {
      return Status(Errc::corrupt, db_->file + ": quarantined record '" + id + "' has unreadable metadata");
    }
    q.record.id = *rid;
    q.record.kind = *kind;
    q.record.priority = static_cast<Priority>(priority);
    std::memcpy(q.record.boot_id.data(), sqlite3_column_blob(s, 7), q.record.boot_id.size());
    q.record.mono_ms = static_cast<std::uint64_t>(sqlite3_column_int64(s, 8));
    q.record.seq = static_cast<std::uint64_t>(sqlite3_column_int64(s, 9));
    q.record.dict_id = static_cast<std::uint32_t>(sqlite3_column_int64(s, 10));
    const auto* sealed = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, 11));
    q.record.sealed.assign(sealed, sealed + sqlite3_column_bytes(s, 11));
    q.kiosk_id = text_at(s, 1);
    q.generation = text_at(s, 2);
    q.bundle_seq = static_cast<std::uint64_t>(sqlite3_column_int64(s, 3));
    q.bundle_version = static_cast<std::uint8_t>(sqlite3_column_int(s, 4));
    q.seal_digest = text_at(s, 12);
    if (sqlite3_column_type(s, 13) != SQLITE_NULL) q.corrected_ms = sqlite3_column_int64(s, 13);
    q.clock_note = text_at(s, 14);
    q.questionnaire = text_at(s, 15);
    q.reason = text_at(s, 16);
    q.since_ms = sqlite3_column_int64(s, 17);
    out.push_back(std::move(q));
  }
  if (rc != SQLITE_DONE) return db_->error("read the quarantine");
  return out;
}

Result<bool> SqliteClinicStore::release_quarantined(const ClinicRecord& row) {
  SqliteTransaction tx(*db_);
  if (Status s = tx.begin(); !s.ok()) return s;
  auto ins = db_->prepare(kInsertRecord);
  if (!ins.ok()) return ins.status();
  auto added = insert_record(*db_, ins->get(), row);
  if (!added.ok()) return added.status();
  auto unq = db_->prepare(kUnquarantine);
  if (!unq.ok()) return unq.status();
  if (Status s = unquarantine(*db_, unq->get(), row.id); !s.ok()) return s;
  if (Status c = tx.commit(); !c.ok()) return c;
  return *added;
}

Status SqliteClinicStore::update_quarantined(const std::string& record_id, const std::string& reason,
                                             const std::string& questionnaire) {
  auto st = db_->prepare("UPDATE quarantine SET reason=?, questionnaire=? WHERE record_id=?");
  if (!st.ok()) return st.status();
  bind_text(st->get(), 1, reason);
  bind_text(st->get(), 2, questionnaire);
  bind_text(st->get(), 3, record_id);
  if (sqlite3_step(st->get()) != SQLITE_DONE) return db_->error("update quarantined record " + record_id);
  return Status::Ok();
}

Status SqliteClinicStore::put_heartbeat(const Heartbeat& hb, std::int64_t received_ms) {
  // Newer: a higher sequence within one outbox generation; across
  // generations (an outbox reset) or from kiosks without one, a later
  // receive time at the drop box. The kiosk's clock never decides.
  auto st = db_->prepare(
      "INSERT INTO heartbeats(kiosk,version,clock_ms,received_ms,queue_depth,oldest_queued_ms,disk_free_bytes,"
      "last_error,generation,hb_seq,unconfirmed,rejected,last_rejection) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?) "
      "ON CONFLICT(kiosk) DO UPDATE SET version=excluded.version,"
      "clock_ms=excluded.clock_ms,received_ms=excluded.received_ms,queue_depth=excluded.queue_depth,"
      "oldest_queued_ms=excluded.oldest_queued_ms,disk_free_bytes=excluded.disk_free_bytes,"
      "last_error=excluded.last_error,generation=excluded.generation,hb_seq=excluded.hb_seq,"
      "unconfirmed=excluded.unconfirmed,rejected=excluded.rejected,last_rejection=excluded.last_rejection "
      "WHERE (excluded.generation != '' AND excluded.generation = heartbeats.generation "
      "       AND excluded.hb_seq > heartbeats.hb_seq) "
      "   OR ((excluded.generation = '' OR excluded.generation != heartbeats.generation) "
      "       AND excluded.received_ms > heartbeats.received_ms)");
  if (!st.ok()) return st.status();
  sqlite3_stmt* s = st->get();
  sqlite3_bind_text(s, 1, hb.kiosk_id.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 2, hb.version.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 3, hb.clock_ms);
  sqlite3_bind_int64(s, 4, received_ms);
  sqlite3_bind_int64(s, 5, static_cast<sqlite3_int64>(hb.queue_depth));
  if (hb.oldest_queued_ms) {
    sqlite3_bind_int64(s, 6, *hb.oldest_queued_ms);
  } else {
    sqlite3_bind_null(s, 6);
  }
  sqlite3_bind_int64(s, 7, static_cast<sqlite3_int64>(hb.disk_free_bytes));
  sqlite3_bind_text(s, 8, hb.last_error.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 9, hb.generation.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 10, static_cast<sqlite3_int64>(hb.seq));
  sqlite3_bind_int64(s, 11, static_cast<sqlite3_int64>(hb.unconfirmed));
  sqlite3_bind_int64(s, 12, static_cast<sqlite3_int64>(hb.rejected));
  sqlite3_bind_text(s, 13, hb.last_rejection.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(s) != SQLITE_DONE) return db_->error("store heartbeat of " + hb.kiosk_id);
  return Status::Ok();
}

Result<std::vector<ClinicRecord>> SqliteClinicStore::records() {
  auto st = db_->prepare(
      "SELECT id,kiosk,bundle_seq,kind,priority,created_ms,questionnaire,score,severity,flags,subject,authored,body,"
      "corrected_ms,clock_note FROM records ORDER BY created_ms, id");
  if (!st.ok()) return st.status();
  std::vector<ClinicRecord> out;
  sqlite3_stmt* s = st->get();
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    ClinicRecord r;
    r.id = text_at(s, 0);
    r.kiosk_id = text_at(s, 1);
    r.bundle_seq = static_cast<std::uint64_t>(sqlite3_column_int64(s, 2));
    r.kind = text_at(s, 3);
    r.priority = sqlite3_column_int(s, 4);
    r.created_ms = sqlite3_column_int64(s, 5);
    r.questionnaire = text_at(s, 6);
    if (sqlite3_column_type(s, 7) != SQLITE_NULL) r.score = sqlite3_column_double(s, 7);
    r.severity = text_at(s, 8);
    r.flags = split(text_at(s, 9));
    r.subject = text_at(s, 10);
    r.authored = text_at(s, 11);
    r.body = text_at(s, 12);
    if (sqlite3_column_type(s, 13) != SQLITE_NULL) r.corrected_ms = sqlite3_column_int64(s, 13);
    r.clock_note = text_at(s, 14);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return db_->error("read records");
  return out;
}

Result<std::vector<FleetEntry>> SqliteClinicStore::fleet() {
  auto st = db_->prepare(
      "SELECT k.kiosk, h.version, h.clock_ms, h.received_ms, h.queue_depth, h.oldest_queued_ms, h.disk_free_bytes,"
      " h.last_error, (SELECT MAX(seq) FROM bundles b WHERE b.kiosk=k.kiosk AND b.generation=IFNULL(h.generation,'')),"
      " h.generation, h.hb_seq, h.unconfirmed, h.rejected, h.last_rejection"
      " FROM (SELECT kiosk FROM heartbeats UNION SELECT kiosk FROM bundles) k"
      " LEFT JOIN heartbeats h ON h.kiosk=k.kiosk ORDER BY k.kiosk");
  if (!st.ok()) return st.status();
  std::vector<FleetEntry> out;
  sqlite3_stmt* s = st->get();
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    FleetEntry e;
    e.kiosk_id = text_at(s, 0);
    e.heartbeat.kiosk_id = e.kiosk_id;
    e.heartbeat.version = text_at(s, 1);
    e.heartbeat.clock_ms = sqlite3_column_int64(s, 2);
    e.received_ms = sqlite3_column_int64(s, 3);
    e.heartbeat.queue_depth = static_cast<std::uint64_t>(sqlite3_column_int64(s, 4));
    if (sqlite3_column_type(s, 5) != SQLITE_NULL) e.heartbeat.oldest_queued_ms = sqlite3_column_int64(s, 5);
    e.heartbeat.disk_free_bytes = static_cast<std::uint64_t>(sqlite3_column_int64(s, 6));
    e.heartbeat.last_error = text_at(s, 7);
    e.last_bundle_seq = static_cast<std::uint64_t>(sqlite3_column_int64(s, 8));
    e.heartbeat.generation = text_at(s, 9);
    e.heartbeat.seq = static_cast<std::uint64_t>(sqlite3_column_int64(s, 10));
    e.heartbeat.unconfirmed = static_cast<std::uint64_t>(sqlite3_column_int64(s, 11));
    e.heartbeat.rejected = static_cast<std::uint64_t>(sqlite3_column_int64(s, 12));
    e.heartbeat.last_rejection = text_at(s, 13);
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return db_->error("read heartbeats");
  return out;
}

}  // namespace outpost::sync
