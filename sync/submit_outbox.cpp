#include "sync/submit_outbox.h"

#include "sync/payload.h"
#include "sync/seal.h"

namespace outpost::sync {

Result<RecordId> OutboxSubmitSink::enqueue(RecordKind kind, std::span<const std::uint8_t> payload) {
  auto boot = boot_.boot_id();
  if (!boot.ok()) return boot.status();
  Record r;
  r.id = RecordId::generate(clock_.wall_ms());
  r.kind = kind;
  r.priority = default_priority(kind);
  auto sealed = seal_payload(payload, SealBinding{kiosk_id_, r.id, r.kind, r.priority, 0}, dicts_, clinic_);
  if (!sealed.ok()) return sealed.status();
  r.boot_id = *boot;
  r.mono_ms = static_cast<std::uint64_t>(clock_.monotonic().count());
  r.dict_id = sealed->dict_id;
  r.sealed = std::move(sealed->sealed);
  RecordId id = r.id;
  auto seq = outbox_.append(std::move(r));
  if (!seq.ok()) return seq.status();
  return id;
}

Result<std::string> OutboxSubmitSink::submit(const Questionnaire& q, const Answers& answers, const Assessment&,
                                             const ResponseMeta& meta) {
  // The assessment is not sealed: the clinic recomputes it from the answers
  // with the same questionnaire (docs/design.md, "Records").
  SecretBytes payload = encode_checkin(q, answers, meta);
  auto id = enqueue(RecordKind::questionnaire_response, payload.span());
  if (!id.ok()) return id.status();
  return id->to_string();
}

Result<std::string> OutboxSubmitSink::raise_crisis(const Questionnaire& q, const std::vector<std::string>& critical_items,
                                                   const ResponseMeta& meta) {
  SecretBytes payload = encode_crisis(q, critical_items, meta);
  auto id = enqueue(RecordKind::crisis_alert, payload.span());
  if (!id.ok()) return id.status();
  return id->to_string();
}

}  // namespace outpost::sync
