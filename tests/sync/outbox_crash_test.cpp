// Integration: SIGKILL `outpostctl assess submit` at random moments; every id
// it printed must be in the outbox exactly once and the database intact.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <algorithm>
#include <random>
#include <set>

#include "sync/outbox_sqlite.h"
#include "tests/sync/enrolled_kiosk.h"
#include "tests/sync/sync_test_util.h"

using namespace outpost;
using namespace outpost::testing;

namespace {

// The record id printed on stdout, if a whole one was.
std::optional<sync::RecordId> printed_id(const std::string& out) {
  auto nl = out.find('\n');
  if (nl == std::string::npos) return std::nullopt;
  return sync::RecordId::parse(out.substr(0, nl));
}

int count_id(const std::filesystem::path& db_file, const sync::RecordId& id) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(db_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> guard(db, sqlite3_close);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM records WHERE id=?", -1, &s, nullptr) == SQLITE_OK);
  sqlite3_bind_blob(s, 1, id.bytes.data(), 16, SQLITE_STATIC);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  int n = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  return n;
}

}  // namespace

TEST_CASE("crash safety: 200 random SIGKILLs during submit lose no printed record and double none") {
  EnrolledKiosk site("crash-kiosk");
  // One clean run: checks the path works and times it, so the kill moments
  // spread over the whole run on this machine.
  auto t0 = std::chrono::steady_clock::now();
  Ran first = run_program(site.submit_argv());
  auto run_us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
  REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  std::vector<sync::RecordId> printed{*printed_id(first.out)};

  std::mt19937 rng(std::random_device{}());
  auto max_delay = std::max<std::int64_t>(30'000, run_us.count() * 6 / 5);
  std::uniform_int_distribution<std::int64_t> delay(0, max_delay);
  int killed_silent = 0;
  for (int i = 0; i < 200; ++i) {
    Ran r = run_program(site.submit_argv(), std::chrono::microseconds(delay(rng)));
    if (auto id = printed_id(r.out)) {
      printed.push_back(*id);
    } else {
      CHECK_MESSAGE(r.signal == SIGKILL, "exit " << r.exit_code << ": " << r.err);
      ++killed_silent;
    }
  }
  MESSAGE("printed " << printed.size() << ", killed before printing " << killed_silent << ", max delay "
                     << max_delay / 1000 << " ms");
  CHECK(printed.size() > 1);
  CHECK(killed_silent > 0);

  auto db_file = sync::outbox_path(site.data_dir);
  for (const auto& id : printed) CHECK_MESSAGE(count_id(db_file, id) == 1, id.to_string());
  CHECK(std::set<sync::RecordId>(printed.begin(), printed.end()).size() == printed.size());
  auto ob = sync::SqliteOutbox::open(db_file);
  REQUIRE(ob.ok());
  CHECK((*ob)->integrity_check().value() == "ok");
  CHECK((*ob)->stats()->queued >= printed.size());
}
