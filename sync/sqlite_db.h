// RAII handles, error mapping and transactions shared by the SQLite adapters
// (outbox_sqlite.cpp, clinic_store_sqlite.cpp). Include only from adapters:
// the pure sync library never sees sqlite3.h.
#pragma once

#include <sqlite3.h>

#include <cerrno>
#include <memory>
#include <string>
#include <string_view>

#include "kiosk/result.h"

namespace outpost::sync {

struct StmtFinalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

struct DbClose {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};

// One connection and the file it names in messages.
struct SqliteDb {
  std::unique_ptr<sqlite3, DbClose> handle;
  std::string file;

  sqlite3* get() const { return handle.get(); }

  // Maps a result code and the connection's last error to a Status; ENOSPC,
  // EDQUOT and SQLITE_FULL become Errc::storage_full whatever SQLite said.
  Status error(int rc, std::string_view doing) const {
    const int sys = sqlite3_system_errno(get());
    std::string msg = std::string(doing) + ": " + file + ": " + sqlite3_errmsg(get());
    if ((rc & 0xff) == SQLITE_FULL || sys == ENOSPC || sys == EDQUOT)
      return Status(Errc::storage_full, "storage full: " + msg);
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) return Status(Errc::busy, msg);
    if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB) return Status(Errc::corrupt, msg);
    return Status(Errc::io_error, msg);
  }
  // The same for the connection's most recent error.
  Status error(std::string_view doing) const { return error(sqlite3_extended_errcode(get()), doing); }

  Status exec(const char* sql, std::string_view doing) const {
    const int rc = sqlite3_exec(get(), sql, nullptr, nullptr, nullptr);
    return rc == SQLITE_OK ? Status::Ok() : error(rc, doing);
  }

  Result<StmtPtr> prepare(const char* sql) const {
    sqlite3_stmt* s = nullptr;
    const int rc = sqlite3_prepare_v2(get(), sql, -1, &s, nullptr);
    if (rc != SQLITE_OK) return error(rc, "prepare");
    return StmtPtr(s);
  }
};

// BEGIN IMMEDIATE ... COMMIT; rolls back unless commit() succeeded.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(const SqliteDb& db) : db_(db) {}
  Status begin() {
    Status s = db_.exec("BEGIN IMMEDIATE", "begin");
    open_ = s.ok();
    return s;
  }
  Status commit() {
    Status s = db_.exec("COMMIT", "commit");
    if (s.ok()) open_ = false;
    return s;
  }
  ~SqliteTransaction() {
    if (open_) sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;

 private:
  const SqliteDb& db_;
  bool open_ = false;
};

}  // namespace outpost::sync
