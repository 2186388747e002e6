// SyncDaemon: what outpost-syncd does around each sync pass (docs/design.md,
// "Sync protocol", "Heartbeat"): move saved crisis alerts into the outbox,
// run the pass, keep the last error in plain words, prune acknowledged
// records past retention, pull the content channel, and put a heartbeat
// every heartbeat interval and after every failed pass. Policy only: the outbox, transport, clock, loop
// and Env are handed in (SQLite, curl and the POSIX Env in the program,
// fakes in tests), and so are the streams it reports on.
//
// Owned and called by one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include "kiosk/clock.h"
#include "kiosk/env.h"
#include "sync/content_sync.h"
#include "sync/keys.h"
#include "sync/outbox.h"
#include "sync/sync_loop.h"
#include "sync/transport.h"

namespace outpost::sync {

struct DaemonOptions {
  std::string kiosk_id;
  std::filesystem::path data_dir;  // for the disk-free figure in the heartbeat
  std::string version;             // this build's version, in the heartbeat
  std::chrono::seconds heartbeat_interval{300};
  std::int64_t retention_ms = 30LL * 86'400'000;
};

class SyncDaemon {
 public:
  // Moves alerts saved outside the outbox into it; returns how many are
  // still not queued. Empty: there is no such store.
  using FlushPending = std::function<Result<std::size_t>()>;

  // Every reference must outlive the daemon. `out` gets one summary line
  // per pass; `err` gets problems.
  SyncDaemon(DaemonOptions options, Outbox& outbox, Transport& transport, const Clock& clock, SyncLoop& loop,
             Env& env, const SigningSecretKey& key, FlushPending flush_pending, std::ostream& out,
             std::ostream& err);

  // One pass. An error is an outbox failure (nothing was lost); an upload
  // failure is in the report and in last_error().
  Result<PassReport> pass();
  // Puts status/<kiosk id>.json now.
  Status heartbeat();
  // Content channels: after each upload pass that reached the server, a
  // content pass; between its chunks, queued crisis records go out first.
  void set_content(ContentSync* content) { content_ = content; }

  // Empty after a clean pass.
  const std::string& last_error() const { return last_error_; }
  SyncLoop& loop() { return loop_; }

 private:
  DaemonOptions options_;
  Outbox& outbox_;
  Transport& transport_;
  const Clock& clock_;
  SyncLoop& loop_;
  Env& env_;
  const SigningSecretKey& key_;
  FlushPending flush_pending_;
  std::ostream& out_;
  std::ostream& err_;
  std::string last_error_;
  std::optional<Clock::Duration> last_heartbeat_;
  ContentSync* content_ = nullptr;
  std::string last_content_problem_;
};

}  // namespace outpost::sync
