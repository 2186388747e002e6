// MemoryOutbox: the Outbox (sync/outbox.h) in memory, nothing durable. For
// tests of sync policy without SQLite: tests/sync/sync_loop_test.cpp runs
// the same cases on it and on SqliteOutbox, so a difference those cases
// reach fails a test. What a receipt does is decided by plan_receipt
// (sync/receipt_rules.h), as for SqliteOutbox; this class stores the outcome.
// `fail_appends_with` makes append fail as a full disk would.
#pragma once

#include <map>
#include <optional>

#include "sync/outbox.h"

namespace outpost::sync {

class MemoryOutbox final : public Outbox {
 public:
  MemoryOutbox();

  Generation generation() const override { return generation_; }
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

  std::optional<Status> fail_appends_with;

 private:
  struct Row {
    Record record;
    RecordState state = RecordState::queued;
    std::optional<std::uint64_t> bundle_seq;
    int rejections = 0;
    std::int64_t state_ms = 0;
  };
  struct BundleRow {
    StoredBundle bundle;  // bytes cleared once confirmed or rejected
    BundleDigest digest{};
    BundleChain chain{};
    std::int64_t state_ms = 0;
  };
  StoredBundle view(const BundleRow& b) const;
  std::vector<StoredBundle> bundles_where(bool (*keep)(BundleState)) const;

  Generation generation_{};
  std::map<std::uint64_t, Row> records_;  // by seq
  std::map<std::uint64_t, BundleRow> bundles_;
  std::uint64_t next_record_ = 1;
  std::uint64_t last_bundle_ = 0;
  BundleChain chain_{};
  std::uint64_t heartbeat_seq_ = 0;
  std::optional<std::int64_t> receipt_ms_;
};

}  // namespace outpost::sync
