// SyncdApp: outpost-syncd put together (docs/design.md, "Architecture"): the
// site config, the syncd lock, the SQLite outbox, the pending crisis slots,
// the kiosk's key, the transport (file or curl) and the video flag gate,
// wired into a SyncLoop and a SyncDaemon. The program parses its arguments
// and calls open() and then run_once() or run().
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "config/site_config.h"
#include "kiosk/app/syncd_lock.h"
#include "kiosk/clock.h"
#include "sync/content_sync.h"
#include "sync/outbox_sqlite.h"
#include "sync/pending_crisis_file.h"
#include "sync/sync_daemon.h"

namespace outpost::app {

struct SyncdArgs {
  std::filesystem::path config_file;  // empty: /etc/outpost/outpost.toml, else the demo config
  std::filesystem::path data_dir;     // empty: the config's
  std::string server;                 // empty: clinic.server
};

class SyncdApp {
 public:
  // Everything a pass needs, or the first problem (a bad config key, a
  // missing data dir, another daemon holding the lock, ...).
  static Result<std::unique_ptr<SyncdApp>> open(const SyncdArgs& args);

  // One pass; true when nothing is left to send.
  Result<bool> run_once();
  // Passes every poll interval (sooner when a backoff ends) until `stop`.
  void run(const std::atomic<bool>& stop);

  const SiteConfig& config() const { return config_; }

 private:
  SyncdApp() = default;

  SiteConfig config_;
  SyncdLock lock_;
  std::unique_ptr<sync::SqliteOutbox> outbox_;
  std::optional<sync::PendingCrisisFile> pending_;
  sync::SigningSecretKey key_;
  std::unique_ptr<sync::Transport> transport_;
  SystemClock clock_;
  sync::ProcBootIdSource boot_;
  std::unique_ptr<sync::FlagFileTrafficGate> gate_;
  std::unique_ptr<sync::SyncLoop> loop_;
  std::unique_ptr<sync::ContentStore> content_store_;
  std::unique_ptr<sync::ContentSync> content_;
  std::unique_ptr<sync::SyncDaemon> daemon_;
};

}  // namespace outpost::app
