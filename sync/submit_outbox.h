// OutboxSubmitSink: the kiosk's Submit path (kiosk/submission.h). Encodes the
// check-in, seals it to the clinic, appends it to the outbox (fsync) and
// returns the record id. `outpostctl assess submit` and the UI both use it.
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

  // Seals any payload of `kind` and appends it (audit, media and group events).
  Result<RecordId> enqueue(RecordKind kind, std::span<const std::uint8_t> payload);

 private:
  Outbox& outbox_;
  const Dictionaries& dicts_;
  SealingPublicKey clinic_;
  std::string kiosk_id_;
  const Clock& clock_;
  const BootIdSource& boot_;
};

}  // namespace outpost::sync
