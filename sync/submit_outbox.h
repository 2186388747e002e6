// OutboxSubmitSink: the kiosk's Submit path (kiosk/submission.h). Encodes the
// check-in, seals it to the clinic, appends it to the outbox (fsync) and
// returns the record id. `outpostctl assess submit` and the UI both use it.
// A crisis record the outbox refuses is never dropped: it is kept (sealed)
// in memory and in the PendingCrisisStore, and retried until the outbox takes
// it (docs/design.md, "Pending crisis alerts").
// Plaintext exists only in memory and is zeroed after sealing. Borrowed
// references must outlive the sink; call from one thread (the UI thread).
#pragma once

#include <string>

#include "kiosk/clock.h"
#include "kiosk/submission.h"
#include "sync/dictionaries.h"
#include "sync/keys.h"
#include "sync/outbox.h"

namespace outpost::sync {

// Where sealed crisis records wait while the outbox refuses them
// (sync/pending_crisis_file.h).
class PendingCrisisStore {
 public:
  virtual ~PendingCrisisStore() = default;
  virtual Status save(const Record& r) = 0;
  virtual Status remove(const RecordId& id) = 0;
};

class OutboxSubmitSink final : public SubmitSink {
 public:
  // `kiosk_id` is bound into every seal (docs/design.md, "Seal").
  OutboxSubmitSink(Outbox& outbox, const Dictionaries& dicts, const SealingPublicKey& clinic, std::string kiosk_id,
                   const Clock& clock, const BootIdSource& boot)
      : outbox_(outbox), dicts_(dicts), clinic_(clinic), kiosk_id_(std::move(kiosk_id)), clock_(clock), boot_(boot) {}

  Result<std::string> submit(const Questionnaire& q, const Answers& answers, const Assessment& assessment,
                             const ResponseMeta& meta) override;
  Result<std::string> raise_crisis(const Questionnaire& q, const std::vector<std::string>& critical_items,
                                   const ResponseMeta& meta) override;

  // A `media-event` record at the event priority (docs/design.md, "Media
  // events"). A bad event (check_media_event in sync/payload.h, or a
  // malformed patient code) is refused with Errc::invalid_argument and
  // nothing is stored.
  Result<std::string> record_media_event(const MediaEvent& event) override;

  std::size_t unsaved_crisis_alerts() const override { return unsaved_.size(); }
  std::size_t retry_crisis_alerts() override;

  // Crisis records saved by an earlier run (`store` may be null: memory
  // only). `saved` are retried with the rest.
  void keep_crisis_alerts(PendingCrisisStore* store, std::vector<Record> saved);

  // Seals any payload of `kind` and appends it (audit, media and group events).
  Result<RecordId> enqueue(RecordKind kind, std::span<const std::uint8_t> payload);

 private:
  Result<Record> make_record(RecordKind kind, std::span<const std::uint8_t> payload);
  // True when the outbox holds `r` now (appended, or it was already there).
  bool append_once(const Record& r);

  Outbox& outbox_;
  const Dictionaries& dicts_;
  SealingPublicKey clinic_;
  std::string kiosk_id_;
  const Clock& clock_;
  const BootIdSource& boot_;
  PendingCrisisStore* store_ = nullptr;
  std::vector<Record> unsaved_;  // sealed crisis records the outbox has not taken
};

}  // namespace outpost::sync
