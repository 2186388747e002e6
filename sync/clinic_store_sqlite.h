// SqliteClinicStore: the ClinicStore on one SQLite file (WAL,
// synchronous=FULL). Owns one sqlite3 connection; use from one thread.
#pragma once

#include <filesystem>
#include <memory>

#include "sync/clinic_store.h"

namespace outpost::sync {

class SqliteClinicStore final : public ClinicStore {
 public:
  // Opens or creates `file`; errors name the file.
  static Result<std::unique_ptr<SqliteClinicStore>> open(const std::filesystem::path& file);
  ~SqliteClinicStore() override;

  Result<BundleSeen> bundle_seen(const std::string& kiosk_id, const std::string& generation, std::uint64_t seq,
                                 const std::string& hash) override;
  Result<std::string> seal_owner(const std::string& seal_digest) override;
  Result<ImportCounts> import_bundle(const IngestedBundle& bundle, std::span<const ClinicRecord> records,
                                     std::span<const std::string> seal_digests,
                                     std::span<const QuarantinedRecord> quarantined) override;
  Result<std::vector<QuarantinedRecord>> quarantined() override;
  Result<bool> release_quarantined(const ClinicRecord& row) override;
  Status update_quarantined(const std::string& record_id, const std::string& reason,
                            const std::string& questionnaire) override;
  Status record_rejection(const BundleRejection& r) override;
  Result<std::vector<ReceiptOutbox>> receipt_entries(const std::string& kiosk_id) override;
  Result<std::vector<std::string>> kiosks() override;
  Status put_heartbeat(const Heartbeat& hb, std::int64_t received_ms) override;
  Result<std::vector<ClinicRecord>> records() override;
  Result<std::vector<FleetEntry>> fleet() override;

 private:
  struct Db;
  explicit SqliteClinicStore(std::unique_ptr<Db> db);
  std::unique_ptr<Db> db_;
};

}  // namespace outpost::sync
