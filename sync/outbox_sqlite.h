// SqliteOutbox: the Outbox on SQLite (docs/design.md, "Outbox"). WAL,
// synchronous=FULL, secure_delete=ON, temp_store=MEMORY. Owns one sqlite3
// connection, the only writer; use from one thread.
#pragma once

#include <filesystem>
#include <memory>
#include <span>

#include "sync/outbox.h"

struct sqlite3;

namespace outpost::sync {

class SqliteOutbox final : public Outbox {
 public:
  // Opens or creates `file` (its directory must exist). Errors name the file.
  static Result<std::unique_ptr<SqliteOutbox>> open(const std::filesystem::path& file);
  ~SqliteOutbox() override;

  Generation generation() const override;
  Result<std::uint64_t> append(Record record) override;
  Result<std::optional<StoredBundle>> make_bundle(const std::string& kiosk_id, const SigningSecretKey& kiosk_key,
                                                  std::int64_t now_ms, const BootId& boot, std::uint64_t mono_ms,
                                                  std::size_t max_bytes) override;
  Result<std::vector<StoredBundle>> pending_bundles() override;
  Result<std::vector<StoredBundle>> unconfirmed_bundles() override;
  Status mark_accepted(std::uint64_t bundle_seq, std::int64_t now_ms) override;
  Result<ReceiptEffect> apply_receipt(const ReceiptOutbox& entry, std::int64_t issued_ms,
                                      std::int64_t now_ms) override;
  Result<std::uint64_t> prune(std::int64_t now_ms, std::int64_t retention_ms) override;
  Result<std::uint64_t> next_heartbeat_seq() override;
  Result<std::optional<RecordState>> state_of(const RecordId& id) override;
  Result<OutboxStats> stats() override;

  // Appends many records in one transaction (one fsync); for imports and
  // benchmarks. All or nothing.
  Status append_batch(std::span<const Record> records);

  // "PRAGMA integrity_check" result: "ok" when healthy.
  Result<std::string> integrity_check();

  struct Db;  // the connection and its cached statements (outbox_sqlite.cpp)
  static Status open_connection(Db& db, bool exclusive);

 private:
  explicit SqliteOutbox(std::unique_ptr<Db> db);
  Result<std::uint64_t> insert_one(const Record& r);
  std::unique_ptr<Db> db_;
};

// The outbox file inside a data dir.
inline std::filesystem::path outbox_path(const std::filesystem::path& data_dir) { return data_dir / "outbox.db"; }

}  // namespace outpost::sync
