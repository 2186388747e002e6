// ContentSync: the content half of outpost-syncd (docs/design.md, "Content
// channels"). One pass: fetch channels/<name>/manifest.json with
// If-None-Match and offer it to the ContentStore (which refuses a bad
// signature or a rollback and leaves the library as it is), then download
// the pending version's missing files in ranged chunks, resuming from the
// bytes in partial/, check each file's sha256 (a file that fails is deleted
// and fetched once more, then reported), and install atomically.
//
// Content is bulk traffic: it waits for the BulkTrafficGate (a video group)
// and the bulk windows, keeps the disk reserve free, and after every chunk
// calls `between_chunks` (the daemon sends crisis records there). A pass
// ends after `max_pass` so uploads and heartbeats keep their turn. Policy
// over Transport, ContentStore and Clock; one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "kiosk/clock.h"
#include "kiosk/time_window.h"
#include "sync/content_store.h"
#include "sync/sync_loop.h"
#include "sync/transport.h"

namespace outpost::sync {

struct ContentSyncOptions {
  std::uint64_t chunk_bytes = 256u << 10;
  std::uint64_t max_rate = 0;             // bytes/s for downloads; 0 = none (sync.max_rate)
  std::vector<TimeWindow> bulk_windows;   // empty: any time
  Clock::Duration max_pass = std::chrono::seconds(60);
};

struct ContentPassReport {
  bool held = false;               // the gate or a window kept content waiting
  bool installed = false;          // a new version went live this pass
  std::uint64_t bytes_fetched = 0; // bytes received this pass
  std::string problem;             // "" when none; the same text is status.json's reason
};

// "channels/<name>/manifest.json" and "channels/<name>/blobs/<sha256>".
std::string channel_manifest_path(const std::string& channel);
std::string channel_blob_path(const std::string& channel, const std::string& sha256);

class ContentSync {
 public:
  // Returning false from between_chunks ends the pass early.
  using BetweenChunks = std::function<bool()>;

  ContentSync(ContentStore& store, Transport& transport, const Clock& clock, const BulkTrafficGate& gate,
              ContentSyncOptions options);

  Result<ContentPassReport> run_pass(const BetweenChunks& between_chunks = nullptr);
  // What the last pass wrote to status.json.
  const ContentStatus& status() const { return status_; }

 private:
  bool bulk_allowed() const;
  // Downloads one file; false when the pass must end (reason in report).
  Result<bool> fetch_file(const ChannelFile& f, ContentPassReport& report, const BetweenChunks& between,
                          Clock::Duration deadline);
  void set_status(const std::string& state, const std::string& reason);
  Status refresh_progress();

  ContentStore& store_;
  Transport& transport_;
  const Clock& clock_;
  const BulkTrafficGate& gate_;
  ContentSyncOptions options_;
  std::string etag_;
  std::string manifest_problem_;     // kept while the server still offers the same refused manifest
  std::map<std::string, int> hash_failures_;  // sha256 -> failures since the pending version changed
  std::uint64_t failures_version_ = 0;
  ContentStatus status_;
};

}  // namespace outpost::sync
