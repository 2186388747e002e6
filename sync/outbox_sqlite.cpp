// SQLite adapter for the Outbox (docs/design.md, "Outbox").
#include "sync/outbox_sqlite.h"

#include "sync/receipt_rules.h"
#include "sync/sqlite_db.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace outpost::sync {

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE records(
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
  state_ms   INTEGER,
  rejections INTEGER NOT NULL DEFAULT 0);
CREATE INDEX records_queue ON records(state, priority, seq, size, created_ms);
CREATE INDEX records_bundle ON records(bundle_seq) WHERE bundle_seq IS NOT NULL;
CREATE TABLE bundles(
  seq          INTEGER PRIMARY KEY,
  created_ms   INTEGER NOT NULL,
  record_count INTEGER NOT NULL,
  state        INTEGER NOT NULL DEFAULT 0,
  state_ms     INTEGER,
  name         TEXT    NOT NULL UNIQUE,
  digest       BLOB    NOT NULL,
  chain        BLOB    NOT NULL,
  reason       TEXT,
  bytes        BLOB);
CREATE INDEX bundles_state ON bundles(state, seq);
CREATE TABLE meta(key TEXT PRIMARY KEY, value);
PRAGMA user_version = 2;
)sql";
constexpr int kFormat = 2;

}  // namespace

struct SqliteOutbox::Db : SqliteDb {
  StmtPtr insert;
  Generation generation{};
  std::uint64_t heartbeat_seq = 0;  // the last one handed out (when the disk is full)
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
    case RecordState::accepted: return "accepted";
    case RecordState::confirmed: return "confirmed";
    case RecordState::held: return "held";
  }
  return "unknown";
}

const char* bundle_state_name(BundleState s) {
  switch (s) {
    case BundleState::made: return "made";
    case BundleState::accepted: return "accepted";
    case BundleState::confirmed: return "confirmed";
    case BundleState::rejected: return "rejected";
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
  // Switching a new file to WAL needs it to itself; SQLite answers "busy"
  // without waiting while another process holds it (two programs opening a
  // new outbox at once). Retry for up to 5 s, like the busy timeout.
  Status wal = db.exec("PRAGMA journal_mode=WAL;", "enable WAL");
  for (int i = 0; i < 250 && wal.code() == Errc::busy; ++i) {
    ::usleep(20'000);
    wal = db.exec("PRAGMA journal_mode=WAL;", "enable WAL");
  }
  if (!wal.ok()) return wal;
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
  auto read_version = [&]() -> Result<int> {
    auto version = db->prepare("PRAGMA user_version");
    if (!version.ok()) return version.status();
    int rc = sqlite3_step(version->get());
    if (rc != SQLITE_ROW) return db->error(rc, "read outbox version");
    int v = sqlite3_column_int(version->get(), 0);
    version->reset();
    return v;
  };
  auto first = read_version();
  if (!first.ok()) return first.status();
  if (*first > kFormat)
    return Status(Errc::corrupt, db->file + ": outbox format " + std::to_string(*first) + " is newer than this program");
  if (*first != kFormat) {
    // Create or upgrade under the write lock, reading the version again
    // inside it: the kiosk window and syncd may open a new outbox at once.
    Transaction tx(*db);
    if (auto st = tx.begin(); !st.ok()) return st;
    auto v = read_version();
    if (!v.ok()) return v.status();
    int user_version = *v;
    if (user_version == 1) {
      // Format 1 sealed records without binding them to their identity and
      // counted the drop box's answer as delivery. Its delivered records are
      // of no further use; undelivered ones cannot be re-sealed (no key on the
      // kiosk opens them), so the upgrade refuses rather than drop them.
      auto left = db->prepare("SELECT COUNT(*) FROM records WHERE state IN (0, 1)");
      if (!left.ok()) return left.status();
      if (int rc = sqlite3_step(left->get()); rc != SQLITE_ROW) return db->error(rc, "read outbox format 1");
      const auto n = sqlite3_column_int64(left->get(), 0);
      left->reset();
      if (n > 0) {
        return Status(Errc::invalid_config, db->file + ": outbox format 1 still holds " + std::to_string(n) +
                                                " undelivered records; ship them with outpost 0.1 (outpost-syncd "
                                                "--once or outpostctl export) before upgrading");
      }
      if (auto st = db->exec("DROP TABLE records; DROP TABLE bundles; DROP TABLE meta;", "upgrade outbox"); !st.ok())
        return st;
      user_version = 0;
    }
    if (user_version == 0) {
      Generation g{};
      randombytes_buf(g.data(), g.size());
      if (auto st = db->exec(kSchema, "create outbox schema"); !st.ok()) return st;
      auto put = db->prepare("INSERT INTO meta(key, value) VALUES('generation', ?)");
      if (!put.ok()) return put.status();
      bind_blob(put->get(), 1, g);
      if (int rc = sqlite3_step(put->get()); rc != SQLITE_DONE) return db->error(rc, "store outbox generation");
    }
    if (auto st = tx.commit(); !st.ok()) return st;
  }
  auto gen = db->prepare("SELECT value FROM meta WHERE key='generation'");
  if (!gen.ok()) return gen.status();
  if (sqlite3_step(gen->get()) != SQLITE_ROW || sqlite3_column_bytes(gen->get(), 0) != 8)
    return Status(Errc::corrupt, db->file + ": outbox has no generation id");
  column_fixed(gen->get(), 0, db->generation);
  gen->reset();
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

Generation SqliteOutbox::generation() const { return db_->generation; }

namespace {

// Reads one meta value; nullopt when absent.
Result<std::optional<std::int64_t>> meta_int(SqliteDb& db, const char* key) {
  auto q = db.prepare("SELECT value FROM meta WHERE key=?");
  if (!q.ok()) return q.status();
  sqlite3_bind_text(q->get(), 1, key, -1, SQLITE_STATIC);
  int rc = sqlite3_step(q->get());
  if (rc == SQLITE_DONE) return std::optional<std::int64_t>();
  if (rc != SQLITE_ROW) return db.error(rc, "read outbox meta");
  return std::optional<std::int64_t>(sqlite3_column_int64(q->get(), 0));
}

Status put_meta(SqliteDb& db, const char* key, std::int64_t value) {
  auto q = db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
  if (!q.ok()) return q.status();
  sqlite3_bind_text(q->get(), 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_int64(q->get(), 2, value);
  if (int rc = sqlite3_step(q->get()); rc != SQLITE_DONE) return db.error(rc, "write outbox meta");
  return Status::Ok();
}

// Runs one statement with int64 parameters; returns the rows changed.
Result<std::uint64_t> run(SqliteDb& db, const char* sql, std::initializer_list<std::int64_t> args,
                          std::string_view doing) {
  auto q = db.prepare(sql);
  if (!q.ok()) return q.status();
  int i = 1;
  for (std::int64_t a : args) sqlite3_bind_int64(q->get(), i++, a);
  if (int rc = sqlite3_step(q->get()); rc != SQLITE_DONE) return db.error(rc, doing);
  return static_cast<std::uint64_t>(sqlite3_changes(db.get()));
}

constexpr const char* kBundleColumns =
    "seq, created_ms, record_count, state, name, reason, bytes, "
    "EXISTS(SELECT 1 FROM records r WHERE r.bundle_seq = b.seq AND r.priority = 0)";

StoredBundle bundle_row(sqlite3_stmt* s) {
  StoredBundle b;
  b.seq = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
  b.created_ms = sqlite3_column_int64(s, 1);
  b.record_count = static_cast<std::size_t>(sqlite3_column_int64(s, 2));
  b.state = static_cast<BundleState>(sqlite3_column_int(s, 3));
  if (auto* t = sqlite3_column_text(s, 4)) b.name = reinterpret_cast<const char*>(t);
  if (auto* t = sqlite3_column_text(s, 5)) b.reason = reinterpret_cast<const char*>(t);
  b.bytes = column_bytes(s, 6);
  b.crisis = sqlite3_column_int(s, 7) != 0;
  return b;
}

Result<std::vector<StoredBundle>> select_bundles(SqliteDb& db, const std::string& where) {
  const std::string sql = std::string("SELECT ") + kBundleColumns + " FROM bundles b WHERE " + where + " ORDER BY seq";
  auto sel = db.prepare(sql.c_str());
  if (!sel.ok()) return sel.status();
  std::vector<StoredBundle> out;
  int rc;
  while ((rc = sqlite3_step(sel->get())) == SQLITE_ROW) out.push_back(bundle_row(sel->get()));
  if (rc != SQLITE_DONE) return db.error(rc, "read bundles");
  return out;
}

}  // namespace

Result<std::optional<StoredBundle>> SqliteOutbox::make_bundle(const std::string& kiosk_id,
                                                              const SigningSecretKey& kiosk_key, std::int64_t now_ms,
                                                              const BootId& boot, std::uint64_t mono_ms,
                                                              std::size_t max_bytes) {
  Transaction tx(*db_);
  if (auto s = tx.begin(); !s.ok()) return s;

  auto last = meta_int(*db_, "bundle_seq");
  if (!last.ok()) return last.status();
  BundleHeader h;
  h.kiosk_id = kiosk_id;
  h.generation = db_->generation;
  h.seq = static_cast<std::uint64_t>(last->value_or(0)) + 1;
  h.created_ms = now_ms;
  h.boot_id = boot;
  h.mono_ms = mono_ms;

  BundleChain chain{};
  {
    auto c = db_->prepare("SELECT value FROM meta WHERE key='chain'");
    if (!c.ok()) return c.status();
    if (sqlite3_step(c->get()) == SQLITE_ROW) column_fixed(c->get(), 0, chain);
  }

  auto sel = db_->prepare(
      "SELECT seq, id, kind, priority, boot_id, mono_ms, dict_id, sealed FROM records "
      "WHERE state=0 ORDER BY priority, seq");
  if (!sel.ok()) return sel.status();
  std::vector<Record> records;
  BundlePlanner planner(h, max_bytes);
  int rc;
  while ((rc = sqlite3_step(sel->get())) == SQLITE_ROW) {
    sqlite3_stmt* s = sel->get();
    Record r;
    r.seq = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
    column_fixed(s, 1, r.id.bytes);
    auto kind = kind_from_code(static_cast<std::uint8_t>(sqlite3_column_int(s, 2)));
    if (!kind) return Status(Errc::corrupt, db_->file + ": record " + r.id.to_string() + " has an unknown kind");
    r.kind = *kind;
    r.priority = static_cast<Priority>(sqlite3_column_int(s, 3));
    column_fixed(s, 4, r.boot_id);
    r.mono_ms = static_cast<std::uint64_t>(sqlite3_column_int64(s, 5));
    r.dict_id = static_cast<std::uint32_t>(sqlite3_column_int64(s, 6));
    r.sealed = column_bytes(s, 7);
    if (!planner.add(r)) break;
    records.push_back(std::move(r));
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_->error(rc, "read the queue");
  sel->reset();
  if (records.empty()) return std::optional<StoredBundle>();

  auto bytes = encode_bundle(h, records, kiosk_key);
  if (!bytes.ok()) return bytes.status();
  const BundleDigest digest = bundle_digest(*bytes);
  chain = next_chain(chain, digest);
  const std::string name = bundle_file_name(h, *bytes);

  auto ins = db_->prepare(
      "INSERT INTO bundles(seq, created_ms, record_count, name, digest, chain, bytes) VALUES(?,?,?,?,?,?,?)");
  if (!ins.ok()) return ins.status();
  sqlite3_bind_int64(ins->get(), 1, i64(h.seq));
  sqlite3_bind_int64(ins->get(), 2, now_ms);
  sqlite3_bind_int64(ins->get(), 3, i64(records.size()));
  sqlite3_bind_text(ins->get(), 4, name.c_str(), -1, SQLITE_STATIC);
  bind_blob(ins->get(), 5, digest);
  bind_blob(ins->get(), 6, chain);
  bind_blob(ins->get(), 7, *bytes);
  if (int r = sqlite3_step(ins->get()); r != SQLITE_DONE) return db_->error(r, "store bundle");

  auto upd = db_->prepare("UPDATE records SET state=1, bundle_seq=? WHERE seq=?");
  if (!upd.ok()) return upd.status();
  for (const Record& r : records) {
    sqlite3_reset(upd->get());
    sqlite3_bind_int64(upd->get(), 1, i64(h.seq));
    sqlite3_bind_int64(upd->get(), 2, i64(r.seq));
    if (int x = sqlite3_step(upd->get()); x != SQLITE_DONE) return db_->error(x, "mark records in bundle");
  }
  if (auto s = put_meta(*db_, "bundle_seq", i64(h.seq)); !s.ok()) return s;
  auto c = db_->prepare("INSERT OR REPLACE INTO meta(key, value) VALUES('chain', ?)");
  if (!c.ok()) return c.status();
  bind_blob(c->get(), 1, chain);
  if (int x = sqlite3_step(c->get()); x != SQLITE_DONE) return db_->error(x, "store bundle chain");
  if (auto s = tx.commit(); !s.ok()) return s;

  StoredBundle out;
  out.seq = h.seq;
  out.created_ms = now_ms;
  out.record_count = records.size();
  out.name = name;
  out.crisis = std::any_of(records.begin(), records.end(), [](const Record& r) { return r.priority == Priority::crisis; });
  out.bytes = std::move(*bytes);
  return std::optional<StoredBundle>(std::move(out));
}

Result<std::vector<StoredBundle>> SqliteOutbox::pending_bundles() { return select_bundles(*db_, "state=0"); }

Result<std::vector<StoredBundle>> SqliteOutbox::unconfirmed_bundles() {
  return select_bundles(*db_, "state IN (0, 1)");
}

Status SqliteOutbox::mark_accepted(std::uint64_t bundle_seq, std::int64_t now_ms) {
  Transaction tx(*db_);
  if (auto s = tx.begin(); !s.ok()) return s;
  auto b = run(*db_, "UPDATE bundles SET state=1, state_ms=? WHERE seq=? AND state=0", {now_ms, i64(bundle_seq)},
               "mark bundle accepted");
  if (!b.ok()) return b.status();
  if (*b == 0) return tx.commit();  // unknown or already accepted: nothing to do
  auto r = run(*db_, "UPDATE records SET state=2, state_ms=? WHERE bundle_seq=? AND state=1",
               {now_ms, i64(bundle_seq)}, "mark records accepted");
  if (!r.ok()) return r.status();
  return tx.commit();
}

Result<ReceiptEffect> SqliteOutbox::apply_receipt(const ReceiptOutbox& entry, std::int64_t issued_ms,
                                                  std::int64_t now_ms) {
  Transaction tx(*db_);
  if (auto s = tx.begin(); !s.ok()) return s;
  auto last = meta_int(*db_, "bundle_seq");
  if (!last.ok()) return last.status();
  const auto made = static_cast<std::uint64_t>(last->value_or(0));
  auto lookup = [&](std::uint64_t seq) -> Result<std::optional<KnownBundle>> {
    auto q = db_->prepare("SELECT digest, chain FROM bundles WHERE seq=?");
    if (!q.ok()) return q.status();
    sqlite3_bind_int64(q->get(), 1, i64(seq));
    int rc = sqlite3_step(q->get());
    if (rc == SQLITE_DONE) return std::optional<KnownBundle>();
    if (rc != SQLITE_ROW) return db_->error(rc, "read bundle");
    KnownBundle k;
    column_fixed(q->get(), 0, k.digest);
    column_fixed(q->get(), 1, k.chain);
    return std::optional<KnownBundle>(k);
  };
  auto plan = plan_receipt(entry, db_->generation, made, lookup);
  if (!plan.ok()) return plan.status();
  ReceiptEffect fx;
  fx.problems = std::move(plan->problems);
  if (!plan->for_this_outbox) return fx;

  for (const ReceiptPlan::Range& range : plan->confirm) {
    auto r = run(*db_,
                 "UPDATE records SET state=3, state_ms=? WHERE state IN (1, 2) AND bundle_seq IN "
                 "(SELECT seq FROM bundles WHERE seq BETWEEN ? AND ? AND state IN (0, 1))",
                 {now_ms, i64(range.first), i64(range.last)}, "confirm records");
    if (!r.ok()) return r.status();
    fx.confirmed_records += *r;
    auto b = run(*db_,
                 "UPDATE bundles SET state=2, state_ms=?, bytes=NULL WHERE seq BETWEEN ? AND ? AND state IN (0, 1)",
                 {now_ms, i64(range.first), i64(range.last)}, "confirm bundles");
    if (!b.ok()) return b.status();
    fx.confirmed_bundles += *b;
  }
  for (const ReceiptRejection& x : plan->reject) {
    auto q = db_->prepare("SELECT seq FROM bundles WHERE name=? AND state IN (0, 1)");
    if (!q.ok()) return q.status();
    sqlite3_bind_text(q->get(), 1, x.name.c_str(), -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q->get());
    if (rc == SQLITE_DONE) continue;  // not ours, or already handled
    if (rc != SQLITE_ROW) return db_->error(rc, "find rejected bundle");
    const std::int64_t seq = sqlite3_column_int64(q->get(), 0);
    q->reset();
    auto upd = db_->prepare("UPDATE bundles SET state=3, state_ms=?, reason=?, bytes=NULL WHERE seq=?");
    if (!upd.ok()) return upd.status();
    sqlite3_bind_int64(upd->get(), 1, now_ms);
    sqlite3_bind_text(upd->get(), 2, x.reason.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(upd->get(), 3, seq);
    if (int r = sqlite3_step(upd->get()); r != SQLITE_DONE) return db_->error(r, "mark bundle rejected");
    // Its records go back to the queue (a new bundle, a new name), or wait
    // for staff after kMaxRejections.
    auto rec = run(*db_,
                   "UPDATE records SET rejections=rejections+1, bundle_seq=NULL, state_ms=?, "
                   "state=CASE WHEN rejections+1 >= ? THEN 4 ELSE 0 END WHERE bundle_seq=? AND state IN (1, 2)",
                   {now_ms, kMaxRejections, seq}, "re-queue rejected records");
    if (!rec.ok()) return rec.status();
    ++fx.rejected_bundles;
  }
  if (plan->resend_below > 0) {
    const std::int64_t below = i64(plan->resend_below);
    auto r = run(*db_,
                 "UPDATE records SET state=1 WHERE state=2 AND bundle_seq IN "
                 "(SELECT seq FROM bundles WHERE state=1 AND seq < ?)",
                 {below}, "re-send skipped records");
    if (!r.ok()) return r.status();
    auto b = run(*db_, "UPDATE bundles SET state=0 WHERE state=1 AND seq < ?", {below}, "re-send skipped bundles");
    if (!b.ok()) return b.status();
    fx.resend_bundles = *b;
  }
  auto prev = meta_int(*db_, "receipt_ms");
  if (!prev.ok()) return prev.status();
  if (!*prev || **prev < issued_ms) {
    if (auto s = put_meta(*db_, "receipt_ms", issued_ms); !s.ok()) return s;
  }
  if (auto s = tx.commit(); !s.ok()) return s;
  return fx;
}

Result<std::uint64_t> SqliteOutbox::prune(std::int64_t now_ms, std::int64_t retention_ms) {
  Transaction tx(*db_);
  if (auto s = tx.begin(); !s.ok()) return s;
  auto n = run(*db_, "DELETE FROM records WHERE state=3 AND state_ms < ?", {now_ms - retention_ms}, "prune records");
  if (!n.ok()) return n.status();
  auto b = run(*db_, "DELETE FROM bundles WHERE state IN (2, 3) AND state_ms < ?", {now_ms - retention_ms},
               "prune bundles");
  if (!b.ok()) return b.status();
  if (auto s = tx.commit(); !s.ok()) return s;
  return *n;
}

Result<std::uint64_t> SqliteOutbox::next_heartbeat_seq() {
  auto last = meta_int(*db_, "heartbeat_seq");
  if (!last.ok()) return last.status();
  const std::uint64_t next = std::max<std::uint64_t>(static_cast<std::uint64_t>(last->value_or(0)), db_->heartbeat_seq) + 1;
  db_->heartbeat_seq = next;
  // On a full disk the heartbeat still goes, numbered from memory.
  (void)put_meta(*db_, "heartbeat_seq", i64(next));
  return next;
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
  st.generation = db_->generation;
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
  auto c = db_->prepare("SELECT state, COUNT(*), MIN(state_ms) FROM records WHERE state > 0 GROUP BY state");
  if (!c.ok()) return c.status();
  while ((rc = sqlite3_step(c->get())) == SQLITE_ROW) {
    const auto n = static_cast<std::uint64_t>(sqlite3_column_int64(c->get(), 1));
    switch (static_cast<RecordState>(sqlite3_column_int(c->get(), 0))) {
      case RecordState::in_bundle: st.in_bundle = n; break;
      case RecordState::accepted:
        st.accepted = n;
        st.oldest_accepted_ms = sqlite3_column_int64(c->get(), 2);
        break;
      case RecordState::confirmed: st.confirmed = n; break;
      case RecordState::held: st.held = n; break;
      case RecordState::queued: break;
    }
  }
  if (rc != SQLITE_DONE) return db_->error(rc, "count records");
  auto last = meta_int(*db_, "bundle_seq");
  if (!last.ok()) return last.status();
  auto first_open = db_->prepare("SELECT MIN(seq) FROM bundles WHERE state IN (0, 1)");
  if (!first_open.ok()) return first_open.status();
  if ((rc = sqlite3_step(first_open->get())) != SQLITE_ROW) return db_->error(rc, "read bundles");
  st.confirmed_through = sqlite3_column_type(first_open->get(), 0) == SQLITE_NULL
                             ? static_cast<std::uint64_t>(last->value_or(0))
                             : static_cast<std::uint64_t>(sqlite3_column_int64(first_open->get(), 0)) - 1;
  auto rej = db_->prepare("SELECT COUNT(*) FROM bundles WHERE state=3");
  if (!rej.ok()) return rej.status();
  if ((rc = sqlite3_step(rej->get())) != SQLITE_ROW) return db_->error(rc, "count rejected bundles");
  st.rejected_bundles = static_cast<std::uint64_t>(sqlite3_column_int64(rej->get(), 0));
  auto lr = select_bundles(*db_, "seq = (SELECT seq FROM bundles WHERE state=3 ORDER BY state_ms DESC, seq DESC LIMIT 1)");
  if (!lr.ok()) return lr.status();
  if (!lr->empty()) st.last_rejection = std::move(lr->front());
  auto receipt = meta_int(*db_, "receipt_ms");
  if (!receipt.ok()) return receipt.status();
  st.last_receipt_ms = *receipt;
  auto lb = select_bundles(*db_, "seq = (SELECT MAX(seq) FROM bundles)");
  if (!lb.ok()) return lb.status();
  if (!lb->empty()) {
    st.last_bundle = std::move(lb->front());
    st.last_bundle->bytes.clear();
  }
  if (st.last_rejection) st.last_rejection->bytes.clear();
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
