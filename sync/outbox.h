// Outbox (docs/design.md, "Outbox"): the kiosk's durable queue of sealed
// records. States: queued -> in_bundle -> acknowledged -> pruned (deleted).
// The SQLite adapter is sync/outbox_sqlite.h; this header stays free of
// SQLite. One writer: an Outbox is used from one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sync/bundle.h"
#include "sync/record.h"

namespace outpost::sync {

enum class RecordState : std::uint8_t { queued = 0, in_bundle = 1, acknowledged = 2 };
const char* state_name(RecordState s);

struct StoredBundle {
  std::uint64_t seq = 0;
  std::int64_t created_ms = 0;
  std::size_t record_count = 0;
  bool acknowledged = false;
  bool crisis = false;  // holds a crisis record: sent ahead of bulk, whatever the gate says
  Bytes bytes;  // the signed bundle, ready to upload
};

struct OutboxStats {
  std::map<Priority, std::uint64_t> queued_by_priority;
  std::uint64_t queued = 0;
  std::uint64_t queued_bytes = 0;            // sealed bytes of queued records
  std::optional<std::int64_t> oldest_queued_ms;  // wall clock of the oldest queued record
  std::uint64_t in_bundle = 0;               // records in made, unacknowledged bundles
  std::uint64_t acknowledged = 0;
  std::optional<StoredBundle> last_bundle;   // without bytes
};

class Outbox {
 public:
  virtual ~Outbox() = default;

  // Appends a record, assigning record.seq; durable (fsync) on return.
  // Errc::storage_full when the volume is full (nothing is changed then).
  virtual Result<std::uint64_t> append(Record record) = 0;

  // Takes queued records in (priority, seq) order while the bundle stays
  // within max_bytes, signs them into the next bundle, stores it and marks
  // them in_bundle, in one transaction. nullopt when nothing is queued.
  virtual Result<std::optional<StoredBundle>> make_bundle(const std::string& kiosk_id,
                                                          const SigningSecretKey& kiosk_key,
                                                          std::int64_t now_ms, const BootId& boot,
                                                          std::uint64_t mono_ms, std::size_t max_bytes) = 0;
  // Bundles made and not yet acknowledged, oldest first.
  virtual Result<std::vector<StoredBundle>> pending_bundles() = 0;
  // The clinic has the bundle: its records become acknowledged.
  virtual Status acknowledge_bundle(std::uint64_t bundle_seq, std::int64_t now_ms) = 0;
  // Deletes acknowledged records and bundles acknowledged before
  // now_ms - retention_ms; returns how many records went.
  virtual Result<std::uint64_t> prune(std::int64_t now_ms, std::int64_t retention_ms) = 0;

  virtual Result<std::optional<RecordState>> state_of(const RecordId& id) = 0;
  virtual Result<OutboxStats> stats() = 0;
};

}  // namespace outpost::sync
