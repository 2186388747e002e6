// SQLite adapter for the Outbox (docs/design.md, "Outbox").
#include "sync/outbox_sqlite.h"

#include "sync/sqlite_db.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace outpost::sync {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS records(
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         BLOB    NOT NULL UNIQUE,
  kind       INTEGER NOT NULL,
  priority   INTEGER NOT NULL,
  boot_id    BLOB    NOT NULL,
  mono_ms    INTEGER NOT NULL,
  created_ms INTEGER NOT NULL,
  dict_id    INTEGER NOT NULL,
  sealed     BLOB    NOT NULL,
  size       INTEGER NOT NULL,
  state      INTEGER NOT NULL DEFAULT 0,
  bundle_seq INTEGER,
  acked_ms   INTEGER);
CREATE INDEX IF NOT EXISTS records_queue ON records(state, priority, seq, size, created_ms);
CREATE INDEX IF NOT EXISTS records_bundle ON records(bundle_seq) WHERE bundle_seq IS NOT NULL;
CREATE TABLE IF NOT EXISTS bundles(
  seq          INTEGER PRIMARY KEY,
  created_ms   INTEGER NOT NULL,
  record_count INTEGER NOT NULL,
  acked_ms     INTEGER,
  bytes        BLOB);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
PRAGMA user_version = 1;
)sql";

}  // namespace

struct SqliteOutbox::Db : SqliteDb {
  StmtPtr insert;
};

namespace {

using Transaction = SqliteTransaction;

void bind_blob(sqlite3_stmt* s, int i, std::span<const std::uint8_t> b) {
  sqlite3_bind_blob(s, i, b.data(), static_cast<int>(b.size()), SQLITE_STATIC);
}
std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

template <std::size_t N>
void column_fixed(sqlite3_stmt* s, int i, std::array<std::uint8_t, N>& out) {
  if (sqlite3_column_bytes(s, i) == static_cast<int>(N)) std::memcpy(out.data(), sqlite3_column_blob(s, i), N);
}
Bytes column_bytes(sqlite3_stmt* s, int i) {
  auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, i));
  return Bytes(p, p + sqlite3_column_bytes(s, i));
}

}  // namespace

const char* state_name(RecordState s) {
  switch (s) {
    case RecordState::queued: return "queued";
    case RecordState::in_bundle: return "in_bundle";
    case RecordState::acknowledged: return "acknowledged";
  }
  return "unknown";
}

SqliteOutbox::SqliteOutbox(std::unique_ptr<Db> db) : db_(std::move(db)) {}
SqliteOutbox::~SqliteOutbox() = default;

// Opens the connection and switches it to WAL. With `exclusive`, the
// wal-index lives in heap memory instead of the -shm file.
Status SqliteOutbox::open_connection(Db& db, bool exclusive) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(db.file.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  db.handle.reset(raw);
  if (rc != SQLITE_OK) {
    if (!raw) return Status(Errc::internal, "sqlite: out of memory");
    return db.error(rc, "open outbox");
  }
  sqlite3_extended_result_codes(raw, 1);
  // Keep the -wal and -shm files when the last connection closes, so a later
  // open on a full disk needs as little new space as possible.
  int persist_wal = 1;
  sqlite3_file_control(raw, "main", SQLITE_FCNTL_PERSIST_WAL, &persist_wal);
  sqlite3_busy_timeout(raw, 5000);
  ::chmod(db.file.c_str(), 0600);
  // secure_delete: deleted content is overwritten. temp_store=MEMORY: no temp
  // files. synchronous=FULL in WAL mode: a commit is fsynced before it returns.
  if (auto s = db.exec("PRAGMA secure_delete=ON; PRAGMA temp_store=MEMORY;", "configure outbox"); !s.ok()) return s;
  if (exclusive) {
    if (auto s = db.exec("PRAGMA locking_mode=EXCLUSIVE;", "lock outbox"); !s.ok()) return s;
  }
  if (auto s = db.exec("PRAGMA journal_mode=WAL;", "enable WAL"); !s.ok()) return s;
  return db.exec("PRAGMA synchronous=FULL;", "configure outbox");
}

Result<std::unique_ptr<SqliteOutbox>> SqliteOutbox::open(const std::filesystem::path& file) {
  auto db = std::make_unique<Db>();
  db->file = file.string();
  Status opened = open_connection(*db, false);
  if (opened.code() == Errc::storage_full) {
    // When no other connection is open SQLite rebuilds the -shm wal-index,
    // which needs space a full disk does not have. No other connection means
    // an exclusive lock is free: keep the wal-index in memory instead, so the
    // queue stays readable (and `outpostctl status` works) on a full disk.
    db->handle.reset();
    opened = open_connection(*db, true);
  }
  if (!opened.ok()) return opened;
  // Only a new file gets the schema: opening an existing outbox writes
  // nothing, so `outpostctl status` works on a full disk.
  auto version = db->prepare("PRAGMA user_version");
  if (!version.ok()) return version.status();
  int rc = sqlite3_step(version->get());
  if (rc != SQLITE_ROW) return db->error(rc, "read outbox version");
  int user_version = sqlite3_column_int(version->get(), 0);
  version->reset();
  if (user_version > 1) return Status(Errc::corrupt, db->file + ": outbox format " + std::to_string(user_version) + " is newer than this program");
  if (user_version == 0) {
    Transaction tx(*db);
    if (auto s = tx.begin(); !s.ok()) return s;
    if (auto s = db->exec(kSchema, "create outbox schema"); !s.ok()) return s;
    if (auto s = tx.commit(); !s.ok()) return s;
  }
  auto insert = db->prepare(
      "INSERT INTO records(id, kind, priority, boot_id, mono_ms, created_ms, dict_id, sealed, size) "
      "VALUES(?,?,?,?,?,?,?,?,?)");
  if (!insert.ok()) return insert.status();
  db->insert = std::move(*insert);
  return std::unique_ptr<SqliteOutbox>(new SqliteOutbox(std::move(db)));
}

Result<std::uint64_t> SqliteOutbox::insert_one(const Record& r) {
  sqlite3_stmt* s = db_->insert.get();
  sqlite3_reset(s);
  bind_blob(s, 1, r.id.bytes);
  sqlite3_bind_int(s, 2, static_cast<int>(r.kind));
  sqlite3_bind_int(s, 3, static_cast<int>(r.priority));
  bind_blob(s, 4, r.boot_id);
  sqlite3_bind_int64(s, 5, i64(r.mono_ms));
  sqlite3_bind_int64(s, 6, r.id.unix_ts_ms());
  sqlite3_bind_int64(s, 7, r.dict_id);
  bind_blob(s, 8, r.sealed);
  sqlite3_bind_int64(s, 9, i64(r.sealed.size()));
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) {
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
      return Status(Errc::invalid_argument, "record " + r.id.to_string() + " is already in the outbox");
    return db_->error(rc, "append to outbox");
  }
  return static_cast<std::uint64_t>(sqlite3_last_insert_rowid(db_->get()));
}

Result<std::uint64_t> SqliteOutbox::append(Record record) {
  // Autocommit: one fsynced WAL commit (synchronous=FULL).
  return insert_one(record);
}

Status SqliteOutbox::append_batch(std::span<const Record> records) {
  Transaction tx(*db_);
  if (auto s = tx.begin(); !s.ok()) return s;
  for (const Record& r : records) {
    auto seq = insert_one(r);
    if (!seq.ok()) return seq.status();
  }
  return tx.commit();
}

Result<std::optional<StoredBundle>> SqliteOutbox::make_bundle(const std::string& kiosk_id,
                                                              const SigningSecretKey& kiosk_key, std::int64_t now_ms,
                                                              const BootId& boot, std::uint64_t mono_ms,
                                                              std::size_t max_bytes) {
  Transaction tx(*db_);
  if (auto s = tx.begin(); !s.ok()) return s;

  auto last = db_->prepare("SELECT value FROM meta WHERE key='bundle_seq'");
  if (!last.ok()) return last.status();
  BundleHeader h;
  h.kiosk_id = kiosk_id;
  h.seq = sqlite3_step(last->get()) == SQLITE_ROW ? static_cast<std::uint64_t>(sqlite3_column_int64(last->get(), 0)) + 1 : 1;
  h.created_ms = now_ms;
  h.boot_id = boot;
  h.mono_ms = mono_ms;

  auto sel = db_->prepare(
      "SELECT seq, id, kind, priority, boot_id, mono_ms, dict_id, sealed FROM records "
      "WHERE state=0 ORDER BY priority, seq");
  if (!sel.ok()) return sel.status();
  std::vector<Record> records;
  std::vector<BootId> boots{boot};
  std::size_t size = bundle_overhead(h, 1);
  int rc;
  while ((rc = sqlite3_step(sel->get())) == SQLITE_ROW) {
    sqlite3_stmt* s = sel->get();
    Record r;
    r.seq = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
    column_fixed(s, 1, r.id.bytes);
    r.kind = kind_from_code(static_cast<std::uint8_t>(sqlite3_column_int(s, 2))).value_or(RecordKind::audit);
    r.priority = static_cast<Priority>(sqlite3_column_int(s, 3));
    column_fixed(s, 4, r.boot_id);
    r.mono_ms = static_cast<std::uint64_t>(sqlite3_column_int64(s, 5));
    r.dict_id = static_cast<std::uint32_t>(sqlite3_column_int64(s, 6));
    r.sealed = column_bytes(s, 7);
    std::size_t add = encoded_record_size(r);
    bool new_boot = std::find(boots.begin(), boots.end(), r.boot_id) == boots.end();
    if (new_boot) add += 16 + 1;
    // A record bigger than the cap still travels, alone, so it cannot block the queue.
    if (!records.empty() && size + add > max_bytes) break;
    size += add;
    if (new_boot) boots.push_back(r.boot_id);
    records.push_back(std::move(r));
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_->error(rc, "read the queue");
  sel->reset();
  if (records.empty()) return std::optional<StoredBundle>();

  auto bytes = encode_bundle(h, records, kiosk_key);
  if (!bytes.ok()) return bytes.status();

  auto ins = db_->prepare("INSERT INTO bundles(seq, created_ms, record_count, bytes) VALUES(?,?,?,?)");
  if (!ins.ok()) return ins.status();
  sqlite3_bind_int64(ins->get(), 1, i64(h.seq));
  sqlite3_bind_int64(ins->get(), 2, now_ms);
  sqlite3_bind_int64(ins->get(), 3, i64(records.size()));
  bind_blob(ins->get(), 4, *bytes);
  if (int r = sqlite3_step(ins->get()); r != SQLITE_DONE) return db_->error(r, "store bundle");

  auto upd = db_->prepare("UPDATE records SET state=1, bundle_seq=? WHERE seq=?");
  if (!upd.ok()) return upd.status();
  for (const Record& r : records) {
    sqlite3_reset(upd->get());
    sqlite3_bind_int64(upd->get(), 1, i64(h.seq));
    sqlite3_bind_int64(upd->get(), 2, i64(r.seq));
    if (int x = sqlite3_step(upd->get()); x != SQLITE_DONE) return db_->error(x, "mark records in bundle");
  }
  auto meta = db_->prepare("INSERT OR REPLACE INTO meta(key, value) VALUES('bundle_seq', ?)");
  if (!meta.ok()) return meta.status();
  sqlite3_bind_int64(meta->get(), 1, i64(h.seq));
  if (int x = sqlite3_step(meta->get()); x != SQLITE_DONE) return db_->error(x, "store bundle seq");
  if (auto s = tx.commit(); !s.ok()) return s;

  StoredBundle out;
  out.seq = h.seq;
  out.created_ms = now_ms;
  out.record_count = records.size();
  out.bytes = std::move(*bytes);
  return std::optional<StoredBundle>(std::move(out));
}

Result<std::vector<StoredBundle>> SqliteOutbox::pending_bundles() {
  auto sel = db_->prepare(
      "SELECT seq, created_ms, record_count, bytes, "
      "EXISTS(SELECT 1 FROM records r WHERE r.bundle_seq = b.seq AND r.priority = 0) "
      "FROM bundles b WHERE acked_ms IS NULL ORDER BY seq");
  if (!sel.ok()) return sel.status();
  std::vector<StoredBundle> out;
  int rc;
  while ((rc = sqlite3_step(sel->get())) == SQLITE_ROW) {
    StoredBundle b;
    b.seq = static_cast<std::uint64_t>(sqlite3_column_int64(sel->get(), 0));
    b.created_ms = sqlite3_column_int64(sel->get(), 1);
    b.record_count = static_cast<std::size_t>(sqlite3_column_int64(sel->get(), 2));
    b.bytes = column_bytes(sel->get(), 3);
    b.crisis = sqlite3_column_int(sel->get(), 4) != 0;
    out.push_back(std::move(b));
  }
  if (rc != SQLITE_DONE) return db_->error(rc, "read bundles");
  return out;
}

Status SqliteOutbox::acknowledge_bundle(std::uint64_t bundle_seq, std::int64_t now_ms) {
  Transaction tx(*db_);
  if (auto s = tx.begin(); !s.ok()) return s;
  auto b = db_->prepare("UPDATE bundles SET acked_ms=?, bytes=NULL WHERE seq=? AND acked_ms IS NULL");
  if (!b.ok()) return b.status();
  sqlite3_bind_int64(b->get(), 1, now_ms);
  sqlite3_bind_int64(b->get(), 2, i64(bundle_seq));
  if (int rc = sqlite3_step(b->get()); rc != SQLITE_DONE) return db_->error(rc, "acknowledge bundle");
  if (sqlite3_changes(db_->get()) == 0) return tx.commit();  // unknown or already acknowledged: nothing to do
  auto r = db_->prepare("UPDATE records SET state=2, acked_ms=? WHERE bundle_seq=? AND state=1");
  if (!r.ok()) return r.status();
  sqlite3_bind_int64(r->get(), 1, now_ms);
  sqlite3_bind_int64(r->get(), 2, i64(bundle_seq));
  if (int rc = sqlite3_step(r->get()); rc != SQLITE_DONE) return db_->error(rc, "acknowledge records");
  return tx.commit();
}

Result<std::uint64_t> SqliteOutbox::prune(std::int64_t now_ms, std::int64_t retention_ms) {
  Transaction tx(*db_);
  if (auto s = tx.begin(); !s.ok()) return s;
  auto r = db_->prepare("DELETE FROM records WHERE state=2 AND acked_ms < ?");
  if (!r.ok()) return r.status();
  sqlite3_bind_int64(r->get(), 1, now_ms - retention_ms);
  if (int rc = sqlite3_step(r->get()); rc != SQLITE_DONE) return db_->error(rc, "prune records");
  auto n = static_cast<std::uint64_t>(sqlite3_changes(db_->get()));
  auto b = db_->prepare("DELETE FROM bundles WHERE acked_ms < ?");
  if (!b.ok()) return b.status();
  sqlite3_bind_int64(b->get(), 1, now_ms - retention_ms);
  if (int rc = sqlite3_step(b->get()); rc != SQLITE_DONE) return db_->error(rc, "prune bundles");
  if (auto s = tx.commit(); !s.ok()) return s;
  return n;
}

Result<std::optional<RecordState>> SqliteOutbox::state_of(const RecordId& id) {
  auto sel = db_->prepare("SELECT state FROM records WHERE id=?");
  if (!sel.ok()) return sel.status();
  bind_blob(sel->get(), 1, id.bytes);
  int rc = sqlite3_step(sel->get());
  if (rc == SQLITE_DONE) return std::optional<RecordState>();
  if (rc != SQLITE_ROW) return db_->error(rc, "look up record");
  return std::optional<RecordState>(static_cast<RecordState>(sqlite3_column_int(sel->get(), 0)));
}

Result<OutboxStats> SqliteOutbox::stats() {
  OutboxStats st;
  auto q = db_->prepare(
      "SELECT priority, COUNT(*), SUM(size), MIN(created_ms) FROM records WHERE state=0 GROUP BY priority");
  if (!q.ok()) return q.status();
  int rc;
  while ((rc = sqlite3_step(q->get())) == SQLITE_ROW) {
    auto p = static_cast<Priority>(sqlite3_column_int(q->get(), 0));
    auto n = static_cast<std::uint64_t>(sqlite3_column_int64(q->get(), 1));
    st.queued_by_priority[p] = n;
    st.queued += n;
    st.queued_bytes += static_cast<std::uint64_t>(sqlite3_column_int64(q->get(), 2));
    std::int64_t oldest = sqlite3_column_int64(q->get(), 3);
    if (!st.oldest_queued_ms || oldest < *st.oldest_queued_ms) st.oldest_queued_ms = oldest;
  }
  if (rc != SQLITE_DONE) return db_->error(rc, "read queue stats");
  for (auto [state, field] : {std::pair{1, &st.in_bundle}, std::pair{2, &st.acknowledged}}) {
    auto c = db_->prepare("SELECT COUNT(*) FROM records WHERE state=?");
    if (!c.ok()) return c.status();
    sqlite3_bind_int(c->get(), 1, state);
    if ((rc = sqlite3_step(c->get())) != SQLITE_ROW) return db_->error(rc, "count records");
    *field = static_cast<std::uint64_t>(sqlite3_column_int64(c->get(), 0));
  }
  auto b = db_->prepare("SELECT seq, created_ms, record_count, acked_ms IS NOT NULL FROM bundles ORDER BY seq DESC LIMIT 1");
  if (!b.ok()) return b.status();
  rc = sqlite3_step(b->get());
  if (rc == SQLITE_ROW) {
    StoredBundle last;
    last.seq = static_cast<std::uint64_t>(sqlite3_column_int64(b->get(), 0));
    last.created_ms = sqlite3_column_int64(b->get(), 1);
    last.record_count = static_cast<std::size_t>(sqlite3_column_int64(b->get(), 2));
    last.acknowledged = sqlite3_column_int(b->get(), 3) != 0;
    st.last_bundle = std::move(last);
  } else if (rc != SQLITE_DONE) {
    return db_->error(rc, "read bundles");
  }
  return st;
}

Result<std::string> SqliteOutbox::integrity_check() {
  auto q = db_->prepare("PRAGMA integrity_check");
  if (!q.ok()) return q.status();
  std::string out;
  int rc;
  while ((rc = sqlite3_step(q->get())) == SQLITE_ROW) {
    if (!out.empty()) out += "\n";
    out += reinterpret_cast<const char*>(sqlite3_column_text(q->get(), 0));
  }
  if (rc != SQLITE_DONE) return db_->error(rc, "integrity check");
  return out;
}

}  // namespace outpost::sync
