#include "sync/submit_outbox.h"

#include "kiosk/patient_code.h"
#include "sync/payload.h"
#include "sync/seal.h"

namespace outpost::sync {

namespace {
// Only one form of a patient code is ever stored: the 9 digits, checked.
Status check_subject(const std::string& subject) {
  if (subject.empty()) return Status::Ok();  // anonymous walk-in
  const PatientCodeCheck c = check_patient_code(subject);
  if (c.error != PatientCodeError::ok) return Status(Errc::invalid_argument, patient_code_error_message(c.error));
  if (c.normalized != subject)
    return Status(Errc::invalid_argument, "patient code: not in its normalised form (9 digits, no spaces)");
  return Status::Ok();
}
}  // namespace

Result<Record> OutboxSubmitSink::make_record(RecordKind kind, std::span<const std::uint8_t> payload) {
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
  return r;
}

Result<RecordId> OutboxSubmitSink::enqueue(RecordKind kind, std::span<const std::uint8_t> payload) {
  auto r = make_record(kind, payload);
  if (!r.ok()) return r.status();
  RecordId id = r->id;
  auto seq = outbox_.append(std::move(r).value());
  if (!seq.ok()) return seq.status();
  return id;
}

bool OutboxSubmitSink::append_once(const Record& r) {
  auto state = outbox_.state_of(r.id);
  if (!state.ok()) return false;
  if (state->has_value()) return true;
  return outbox_.append(r).ok();
}

void OutboxSubmitSink::keep_crisis_alerts(PendingCrisisStore* store, std::vector<Record> saved) {
  store_ = store;
  for (Record& r : saved) {
    bool known = false;
    for (const Record& u : unsaved_) known = known || u.id == r.id;
    if (!known) unsaved_.push_back(std::move(r));
  }
}

std::size_t OutboxSubmitSink::retry_crisis_alerts() {
  std::vector<Record> left;
  for (Record& r : unsaved_) {
    if (append_once(r)) {
      if (store_) (void)store_->remove(r.id);  // a slot left behind is flushed again, once
      continue;
    }
    // Not durable yet: make sure it survives a restart.
    if (store_) (void)store_->save(r);
    left.push_back(std::move(r));
  }
  unsaved_ = std::move(left);
  return unsaved_.size();
}

Result<std::string> OutboxSubmitSink::submit(const Questionnaire& q, const Answers& answers, const Assessment&,
                                             const ResponseMeta& meta) {
  // The assessment is not sealed: the clinic recomputes it from the answers
  // with the same questionnaire (docs/design.md, "Records").
  if (auto s = check_subject(meta.subject); !s.ok()) return s;
  SecretBytes payload = encode_checkin(q, answers, meta);
  auto id = enqueue(RecordKind::questionnaire_response, payload.span());
  if (!id.ok()) return id.status();
  return id->to_string();
}

Result<std::string> OutboxSubmitSink::raise_crisis(const Questionnaire& q, const std::vector<std::string>& critical_items,
                                                   const ResponseMeta& meta) {
  if (auto s = check_subject(meta.subject); !s.ok()) return s;
  SecretBytes payload = encode_crisis(q, critical_items, meta);
  auto r = make_record(RecordKind::crisis_alert, payload.span());
  if (!r.ok()) return r.status();
  const std::string id = r->id.to_string();
  if (outbox_.append(*r).ok()) return id;
  // The outbox refused (storage full, ...): keep it, sealed, and retry.
  if (store_) (void)store_->save(*r);
  unsaved_.push_back(std::move(r).value());
  return id;
}

Result<std::string> OutboxSubmitSink::record_media_event(const MediaEvent& event) {
  if (Status s = check_media_event(event); !s.ok()) return s;
  if (Status s = check_subject(event.meta.subject); !s.ok()) return s;
  SecretBytes payload = encode_media_event(event);
  auto id = enqueue(RecordKind::media_event, payload.span());
  if (!id.ok()) return id.status();
  return id->to_string();
}

}  // namespace outpost::sync
