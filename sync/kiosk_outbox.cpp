#include "sync/kiosk_outbox.h"

#include <sys/stat.h>

namespace outpost::sync {

Result<std::unique_ptr<KioskOutbox>> KioskOutbox::open(const KioskOutboxOptions& options) {
  if (!crypto_init()) return Status(Errc::internal, "libsodium failed to initialise");
  if (auto s = validate_kiosk_id(options.kiosk_id); !s.ok()) return Status(Errc::invalid_config, "kiosk.id: " + s.message());
  std::unique_ptr<KioskOutbox> k(new KioskOutbox());
  k->kiosk_id_ = options.kiosk_id;
  if (!options.clinic_sealing_public_key.empty()) {
    auto pk = key_from_base64<SealingPublicKey>(options.clinic_sealing_public_key, "clinic.sealing_public_key");
    if (!pk.ok()) return pk.status();
    k->clinic_ = *pk;
  }
  auto dicts = Dictionaries::load(options.dictionary_dir);
  if (!dicts.ok()) return dicts.status();
  k->dicts_ = std::move(*dicts);
  std::error_code ec;
  bool created = std::filesystem::create_directories(options.data_dir, ec);
  if (!ec && created) ::chmod(options.data_dir.c_str(), 0700);
  if (ec) {
    Errc code = ec == std::errc::no_space_on_device ? Errc::storage_full : Errc::io_error;
    return Status(code, options.data_dir.string() + ": cannot create the data dir: " + ec.message());
  }
  auto outbox = SqliteOutbox::open(outbox_path(options.data_dir));
  if (!outbox.ok()) return outbox.status();
  k->outbox_ = std::move(*outbox);
  auto pending = PendingCrisisFile::open(options.data_dir);
  if (pending.ok() && pending->slots() > 0) {
    k->pending_ = std::move(*pending);
    auto left = flush_pending_crisis(*k->pending_, *k->outbox_);
    k->pending_left_ = left.ok() ? *left : 0;
  } else {
    k->slot_problem_ = pending.ok() ? "no crisis slot could be reserved (disk full?)" : pending.status().message();
  }
  return k;
}

Result<SubmitSink*> KioskOutbox::sink() {
  if (!clinic_)
    return Status(Errc::invalid_config, "clinic.sealing_public_key is not set in the site config (outpost-clinic enroll)");
  if (!sink_) {
    sink_ = std::make_unique<OutboxSubmitSink>(*outbox_, dicts_, *clinic_, kiosk_id_, clock_, boot_);
    if (pending_) {
      auto saved = pending_->load();
      sink_->keep_crisis_alerts(&*pending_, saved.ok() ? std::move(*saved) : std::vector<Record>{});
    }
  }
  return static_cast<SubmitSink*>(sink_.get());
}

std::size_t KioskOutbox::unsaved_crisis_alerts() const {
  return sink_ ? sink_->unsaved_crisis_alerts() : pending_left_;
}

}  // namespace outpost::sync
