// KioskOutbox: everything the kiosk's Submit path needs, opened together from
// the site config's values: the SQLite outbox in the data dir, the zstd
// dictionaries, the clinic's sealing public key and an OutboxSubmitSink over
// them. The kiosk window and `outpostctl` both open it this way so they run
// the same path. Opening it also moves crisis alerts an earlier run could not
// store (sync/pending_crisis_file.h) into the outbox. Use from one thread.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "kiosk/clock.h"
#include "sync/outbox_sqlite.h"
#include "sync/pending_crisis_file.h"
#include "sync/submit_outbox.h"

namespace outpost::sync {

struct KioskOutboxOptions {
  std::string kiosk_id;                  // [kiosk] id: bound into every seal
  std::filesystem::path data_dir;        // created if missing (mode 0700)
  std::string clinic_sealing_public_key; // base64; empty: submit is refused
  std::filesystem::path dictionary_dir;  // config/dictionaries
};

class KioskOutbox {
 public:
  static Result<std::unique_ptr<KioskOutbox>> open(const KioskOutboxOptions& options);

  SqliteOutbox& outbox() { return *outbox_; }
  // Errc::invalid_config when the config has no clinic sealing key.
  Result<SubmitSink*> sink();
  // Crisis alerts still waiting outside the outbox (after the flush at open
  // and any sink retries).
  std::size_t unsaved_crisis_alerts() const;
  // Why alerts cannot be kept across a restart (no slot could be reserved);
  // empty when they can.
  const std::string& crisis_slot_problem() const { return slot_problem_; }

 private:
  KioskOutbox() = default;
  std::string kiosk_id_;
  std::unique_ptr<SqliteOutbox> outbox_;
  Dictionaries dicts_;
  std::optional<SealingPublicKey> clinic_;
  SystemClock clock_;
  ProcBootIdSource boot_;
  std::unique_ptr<OutboxSubmitSink> sink_;
  std::optional<PendingCrisisFile> pending_;
  std::size_t pending_left_ = 0;  // after the flush at open
  std::string slot_problem_;
};

}  // namespace outpost::sync
