// SyncLoop: moves the outbox to the clinic (docs/design.md, "Sync protocol").
// One pass: the clinic's receipt first (what it confirmed, rejected or
// missed), then crisis records (each in a bundle of its own), then bundles
// made earlier and not yet accepted, then new bundles until the queue is
// empty. A bundle counts as accepted only after the destination answered
// created or already_exists (a name is derived from the bytes, so an existing
// name is the same bundle), and as delivered only when a receipt signed by
// the clinic covers it; a kill at any moment re-sends at most the bundle in
// flight, under the same name, and the clinic de-duplicates.
//
// Owns nothing: the Outbox, Transport, Clock, BootIdSource and gate are
// borrowed and must outlive the loop. Use from one thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kiosk/clock.h"
#include "kiosk/env.h"
#include "kiosk/time_window.h"
#include "sync/backoff.h"
#include "sync/keys.h"
#include "sync/outbox.h"
#include "sync/receipt.h"
#include "sync/transport.h"

namespace outpost::sync {

// Bulk traffic (everything but crisis records and heartbeats) pauses while
// this says so. The video group uses it to keep the link for the call.
class BulkTrafficGate {
 public:
  virtual ~BulkTrafficGate() = default;
  virtual bool bulk_paused() const = 0;
};

// In-process gate: pause()/resume() from any thread.
class ManualTrafficGate final : public BulkTrafficGate {
 public:
  void pause() { paused_ = true; }
  void resume() { paused_ = false; }
  bool bulk_paused() const override { return paused_; }

 private:
  std::atomic<bool> paused_{false};
};

// Cross-process gate: bulk is paused while `flag_file` exists and was
// touched within `max_age` of now (so a crashed video process cannot stop
// sync for good). A touch more than `max_age` in the future (the clock was
// set back since) does not count either. The kiosk touches the file every
// minute during a call and removes it after (set_video_active;
// docs/design.md, "Video groups"). Time and file both come from `env`.
class FlagFileTrafficGate final : public BulkTrafficGate {
 public:
  explicit FlagFileTrafficGate(std::filesystem::path flag_file,
                               std::chrono::seconds max_age = std::chrono::seconds(120),
                               Env& env = Env::system())
      : flag_(std::move(flag_file)), max_age_(max_age), env_(env) {}
  bool bulk_paused() const override;

 private:
  std::filesystem::path flag_;
  std::chrono::seconds max_age_;
  Env& env_;
};
// The flag file in a data dir, and the writer side for the video group.
inline std::filesystem::path video_flag_path(const std::filesystem::path& data_dir) {
  return data_dir / "video-active";
}
Status set_video_active(const std::filesystem::path& data_dir, bool active, Env& env = Env::system());

using outpost::TimeWindow;
using outpost::in_windows;
using outpost::parse_time_window;

struct SyncOptions {
  std::string kiosk_id;
  SigningSecretKey kiosk_key;
  BundleSizeConfig sizes;
  BackoffConfig backoff;
  std::vector<TimeWindow> bulk_windows;  // empty: bulk any time
  std::uint64_t max_send_rate = 0;       // bytes/s cap for bulk; 0 = none
  // Verifies receipts; without it no receipt is fetched and nothing is
  // ever confirmed (the kiosk keeps every record).
  std::optional<SigningPublicKey> clinic_signing_key;
};

// Fetched receipt bytes verified and applied to `outbox` (for the sync loop
// and a receipt carried back on a USB stick). Errc::unauthorized when the
// clinic did not sign it, Errc::corrupt when it is malformed or for another
// kiosk; nullopt effect when it has no entry for this outbox's generation.
Result<ReceiptEffect> apply_receipt_bytes(Outbox& outbox, std::span<const std::uint8_t> bytes,
                                          const std::string& kiosk_id, const SigningPublicKey& clinic_key,
                                          std::int64_t now_ms);

struct PassReport {
  std::uint64_t bundles_sent = 0;   // created now
  std::uint64_t bundles_known = 0;  // already at the destination (re-sent after a crash)
  std::uint64_t records_sent = 0;   // in bundles acknowledged this pass
  bool drained = false;             // nothing queued or pending is left
  bool bulk_held = false;           // bulk waited for the gate or a time window
  std::optional<PutStatus> failure; // the upload that ended the pass early
  std::optional<ReceiptEffect> receipt;  // when a new receipt was applied
  std::string receipt_error;        // a receipt that could not be fetched or verified
  Status outbox_full = Status::Ok();  // making new bundles failed for lack of space (stored ones still went)
};

class SyncLoop {
 public:
  SyncLoop(Outbox& outbox, Transport& transport, const Clock& clock, const BootIdSource& boot,
           const BulkTrafficGate& gate, SyncOptions options);

  // One pass as described above. An error Status is an outbox failure
  // (nothing was lost); an upload failure is in PassReport::failure and
  // arms the backoff.
  Result<PassReport> run_pass();

  // Whether the backoff allows a pass now, and how long until it does.
  bool ready() const { return backoff_.ready(clock_.monotonic()); }
  Clock::Duration wait() const { return backoff_.wait(clock_.monotonic()); }
  std::size_t bundle_limit() const { return sizer_.limit(); }

 private:
  // Uploads one stored bundle; true when delivered and acknowledged.
  Result<bool> deliver(const StoredBundle& bundle, PassReport& report);
  Result<std::optional<StoredBundle>> make(std::size_t max_bytes);
  Status check_receipt(PassReport& report);

  Outbox& outbox_;
  Transport& transport_;
  const Clock& clock_;
  const BootIdSource& boot_;
  const BulkTrafficGate& gate_;
  SyncOptions options_;
  Backoff backoff_;
  BundleSizer sizer_;
  std::string receipt_etag_;
};

// For a data run by hand (`outpostctl export --to DIR`): applies a receipt
// the stick carries back (receipts/<kiosk-id>.json, written by the clinic's
// ingest), bundles what is queued, then writes every bundle not yet
// confirmed to `transport` under the same names the network uses. Marks
// nothing accepted: a stick can be lost, so the network still delivers these
// later and the clinic ignores the second copy. Returns how many bundles
// were written (or were already there).
struct ExportReport {
  std::uint64_t bundles = 0;
  std::uint64_t records = 0;
  std::optional<ReceiptEffect> receipt;
  std::string receipt_error;
};
Result<ExportReport> export_unacknowledged(Outbox& outbox, Transport& transport, const Clock& clock,
                                           const BootIdSource& boot, const SyncOptions& options);

// "inbox/<kiosk-id>/<bundle file name>": where a bundle goes at the destination.
std::string inbox_path(const std::string& kiosk_id, const std::string& bundle_name);

}  // namespace outpost::sync
