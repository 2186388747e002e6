// Pending crisis alerts (docs/design.md, "Pending crisis alerts"): a crisis
// record the outbox could not take (a full disk, ...) is kept, sealed, in one
// of a few slot files reserved ahead of time in <data>/crisis-pending/, so
// saving it needs no new disk space. Anything that opens the kiosk's outbox
// moves saved alerts into it. A slot holds the sealed record only: no
// answers and nothing readable without the clinic's key. Each slot is locked
// (flock) while it is read or written, so the kiosk and outpost-syncd can
// share the folder.
#pragma once

#include <filesystem>
#include <vector>

#include "sync/outbox.h"
#include "sync/record.h"
#include "sync/submit_outbox.h"

namespace outpost::sync {

class PendingCrisisFile final : public PendingCrisisStore {
 public:
  static constexpr std::size_t kSlots = 8;
  static constexpr std::size_t kSlotBytes = 4096;

  // Creates the folder (0700) and reserves the missing slots, zero-filled
  // and fsynced. On a full disk fewer slots may exist; slots() says how many.
  static Result<PendingCrisisFile> open(const std::filesystem::path& data_dir);

  std::size_t slots() const { return slots_.size(); }
  // Writes `r` into a free slot and fdatasyncs it. Errc::storage_full when
  // every slot holds an alert or the record does not fit a slot.
  Status save(const Record& r) override;
  // The alerts saved; a slot that is torn or damaged is skipped.
  Result<std::vector<Record>> load() const;
  // Frees the slot holding `id` (nothing when none does).
  Status remove(const RecordId& id) override;

 private:
  std::filesystem::path dir_;
  std::vector<std::filesystem::path> slots_;
};

// Appends every saved alert to `outbox` (once: one already there counts as
// appended) and frees its slot. Returns how many are still pending.
Result<std::size_t> flush_pending_crisis(PendingCrisisFile& pending, Outbox& outbox);

// The bytes of one slot for `r`, and back; nullopt for an empty, torn or
// damaged slot. Exposed for tests.
Result<Bytes> encode_pending_slot(const Record& r);
std::optional<Record> decode_pending_slot(std::span<const std::uint8_t> slot);

}  // namespace outpost::sync
