// Outbox (docs/design.md, "Outbox" and "Delivery states"): the kiosk's
// durable queue of sealed records. A record is queued -> in_bundle (made
// into a bundle) -> accepted (the drop box stored it) -> confirmed (a clinic
// receipt covers it) -> pruned. A receipt's rejection puts its records back
// to queued (re-bundled under a new number), or to held after
// kMaxRejections. The SQLite adapter is sync/outbox_sqlite.h; this header
// stays free of SQLite. One writer: an Outbox is used from one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sync/bundle.h"
#include "sync/receipt.h"
#include "sync/record.h"

namespace outpost::sync {

enum class RecordState : std::uint8_t { queued = 0, in_bundle = 1, accepted = 2, confirmed = 3, held = 4 };
const char* state_name(RecordState s);

enum class BundleState : std::uint8_t { made = 0, accepted = 1, confirmed = 2, rejected = 3 };
const char* bundle_state_name(BundleState s);

// After this many clinic rejections a record stops being re-sent and waits
// for staff (RecordState::held).
inline constexpr int kMaxRejections = 3;

struct StoredBundle {
  std::uint64_t seq = 0;
  std::int64_t created_ms = 0;
  std::size_t record_count = 0;
  BundleState state = BundleState::made;
  bool crisis = false;  // holds a crisis record: sent ahead of bulk, whatever the gate says
  std::string name;     // file name at the drop box (bundle_file_name)
  std::string reason;   // why the clinic rejected it (state rejected)
  Bytes bytes;          // the signed bundle, ready to upload (empty once confirmed)
};

struct OutboxStats {
  Generation generation{};
  std::map<Priority, std::uint64_t> queued_by_priority;
  std::uint64_t queued = 0;
  std::uint64_t queued_bytes = 0;            // sealed bytes of queued records
  std::optional<std::int64_t> oldest_queued_ms;  // wall clock of the oldest queued record
  std::uint64_t in_bundle = 0;               // records in made bundles the drop box has not taken yet
  std::uint64_t accepted = 0;                // taken by the drop box, not yet confirmed by the clinic
  std::optional<std::int64_t> oldest_accepted_ms;  // when the oldest of those was accepted
  std::uint64_t confirmed = 0;               // confirmed by a clinic receipt (kept until pruned)
  std::uint64_t held = 0;                    // rejected kMaxRejections times: needs staff
  std::uint64_t confirmed_through = 0;       // highest bundle seq with every bundle up to it confirmed
  std::uint64_t rejected_bundles = 0;        // bundles the clinic rejected (re-sent or held)
  std::optional<StoredBundle> last_rejection;  // name, reason, created (no bytes)
  std::optional<std::int64_t> last_receipt_ms; // the clinic's clock on the last receipt applied
  std::optional<StoredBundle> last_bundle;   // without bytes
  std::uint64_t unfinished() const { return queued + in_bundle + accepted; }
};

// What applying a receipt changed.
struct ReceiptEffect {
  std::uint64_t confirmed_bundles = 0;
  std::uint64_t confirmed_records = 0;
  std::uint64_t rejected_bundles = 0;   // newly rejected; their records re-queued or held
  std::uint64_t resend_bundles = 0;     // accepted, but the clinic skipped them: uploaded again
  std::vector<std::string> problems;    // a receipt that does not match this outbox, for staff
};

class Outbox {
 public:
  virtual ~Outbox() = default;

  // This outbox's generation: random, made when it was created.
  virtual Generation generation() const = 0;

  // Appends a record, assigning record.seq; durable (fsync) on return.
  // Errc::storage_full when the volume is full (nothing is changed then).
  virtual Result<std::uint64_t> append(Record record) = 0;

  // Takes queued records in (priority, seq) order as BundlePlanner allows,
  // signs them into the next bundle, stores it and marks them in_bundle, in
  // one transaction. nullopt when nothing is queued.
  virtual Result<std::optional<StoredBundle>> make_bundle(const std::string& kiosk_id,
                                                          const SigningSecretKey& kiosk_key,
                                                          std::int64_t now_ms, const BootId& boot,
                                                          std::uint64_t mono_ms, std::size_t max_bytes) = 0;
  // Bundles made and not yet accepted by the drop box, oldest first.
  virtual Result<std::vector<StoredBundle>> pending_bundles() = 0;
  // Bundles made and not yet confirmed by the clinic (for a USB export), oldest first.
  virtual Result<std::vector<StoredBundle>> unconfirmed_bundles() = 0;
  // The drop box has the bundle: its records become accepted. Idempotent.
  virtual Status mark_accepted(std::uint64_t bundle_seq, std::int64_t now_ms) = 0;
  // Applies the entry of a verified receipt for this outbox's generation
  // (docs/design.md, "Receipts"). One transaction; idempotent.
  virtual Result<ReceiptEffect> apply_receipt(const ReceiptOutbox& entry, std::int64_t issued_ms,
                                              std::int64_t now_ms) = 0;
  // Deletes confirmed records and finished bundles older than
  // now_ms - retention_ms; returns how many records went.
  virtual Result<std::uint64_t> prune(std::int64_t now_ms, std::int64_t retention_ms) = 0;
  // The next heartbeat sequence number (durable when the disk allows).
  virtual Result<std::uint64_t> next_heartbeat_seq() = 0;

  virtual Result<std::optional<RecordState>> state_of(const RecordId& id) = 0;
  virtual Result<OutboxStats> stats() = 0;
};

}  // namespace outpost::sync
