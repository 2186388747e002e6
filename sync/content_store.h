// The kiosk's content library on disk (docs/design.md, "Content channels"),
// under <data_dir>/content:
//   manifest.json     the installed channel, signed, as the clinic published it
//   pending.json      a newer verified manifest whose files are still arriving
//   blobs/<sha256>    files whose hash was checked when they came in
//   partial/<sha256>  the bytes so far of a file still arriving
//   status.json       what syncd or an import last did (content_status.h)
// Invariants: manifest.json only ever names files that are all in blobs/
// (pending.json is renamed over it once they are), a file reaches blobs/
// only after its sha256 matched, and nothing is removed from blobs/ while
// the installed manifest names it. So a kill at any moment leaves the
// installed library whole. Pure over Env; one writer at a time (syncd holds
// its lock; outpostctl content import takes the same lock).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kiosk/env.h"
#include "kiosk/result.h"
#include "sync/channel.h"

namespace outpost::sync {

// sha256 of bytes as 64 lowercase hex digits, and of a file read through env.
std::string sha256_hex(std::span<const std::uint8_t> bytes);
Result<std::string> sha256_file(Env& env, const std::filesystem::path& file, std::string_view what);

struct ContentPaths {
  std::filesystem::path root;  // <data_dir>/content
  explicit ContentPaths(const std::filesystem::path& data_dir) : root(data_dir / "content") {}
  std::filesystem::path manifest() const { return root / "manifest.json"; }
  std::filesystem::path pending() const { return root / "pending.json"; }
  std::filesystem::path status() const { return root / "status.json"; }
  std::filesystem::path blobs() const { return root / "blobs"; }
  std::filesystem::path partial_dir() const { return root / "partial"; }
  std::filesystem::path blob(const std::string& sha256) const { return blobs() / sha256; }
  std::filesystem::path partial(const std::string& sha256) const { return partial_dir() / sha256; }
};

// What offering a manifest came to.
enum class OfferResult {
  installed_already,  // the same version as installed, byte for byte
  pending_already,    // the same as pending.json
  staged,             // now pending.json (it replaced an older pending one)
};

class ContentStore {
 public:
  ContentStore(Env& env, const std::filesystem::path& data_dir, SigningPublicKey clinic_key, std::string channel);

  const ContentPaths& paths() const { return paths_; }
  const std::string& channel() const { return channel_; }
  Env& env() const { return env_; }

  // Makes the folders (content/, blobs/, partial/).
  Status prepare();

  // Free space content must leave on the data volume (for the outbox).
  void set_reserve_bytes(std::uint64_t bytes) { reserve_ = bytes; }
  std::uint64_t reserve_bytes() const { return reserve_; }
  // Ok when `more` bytes fit and leave the reserve free; else
  // Errc::storage_full saying how much is free, needed and kept.
  Status check_space(std::uint64_t more) const;

  // The installed and pending manifests, verified; nullopt when there is none.
  Result<std::optional<ChannelManifest>> installed() const;
  Result<std::optional<ChannelManifest>> pending() const;

  // A manifest from the clinic (or a USB stick): verified, for this channel
  // (an empty channel takes any, then keeps to the installed one's),
  // and newer than the installed one, it becomes pending.json. Refused,
  // with the installed library untouched: a bad signature (unauthorized),
  // a malformed body (corrupt), another channel, a lower version than
  // installed or pending ("rollback"), or the installed version with other
  // content (invalid_argument). `source` names where it came from.
  Result<OfferResult> offer(std::span<const std::uint8_t> manifest_bytes, std::string_view source);

  // True when blobs/<sha256> is there with the right size.
  Result<bool> has_blob(const ChannelFile& f) const;
  // Files of `m` not yet in blobs/, in manifest order.
  Result<std::vector<ChannelFile>> missing(const ChannelManifest& m) const;
  // Bytes of f already in partial/ (0 when none).
  Result<std::uint64_t> partial_size(const ChannelFile& f) const;
  Status append_partial(const ChannelFile& f, std::span<const std::uint8_t> bytes);
  Status drop_partial(const ChannelFile& f);
  // partial/<sha256> complete: its hash is checked and it moves to blobs/.
  // A wrong hash or size is Errc::corrupt and the partial file is deleted.
  Status commit_partial(const ChannelFile& f);

  // pending.json becomes manifest.json when every file it names is in
  // blobs/ (true), then unreferenced blobs and partials are removed.
  // false when files are still missing.
  Result<bool> install_pending();
  // Removes blobs named by neither manifest, partials not named by pending,
  // and temp files; returns how many files it removed.
  Result<std::uint64_t> collect_garbage();

  // Re-hashes every file of the installed manifest: one line per problem
  // ("items[2] 'sleep-basics' video video.webm: sha256 differs"), empty
  // when all are good. progress(done_bytes, total_bytes) after each file.
  Result<std::vector<std::string>> verify(
      const std::function<void(std::uint64_t, std::uint64_t)>& progress = nullptr) const;

 private:
  Result<std::optional<ChannelManifest>> load(const std::filesystem::path& file, std::string_view what) const;
  Result<std::optional<std::string>> raw(const std::filesystem::path& file, std::string_view what) const;

  Env& env_;
  ContentPaths paths_;
  SigningPublicKey clinic_key_;
  std::string channel_;
  std::uint64_t reserve_ = 0;
};

// content/status.json: what syncd or an import last did, for `outpostctl
// content status`, the heartbeat and the staff console. No patient data.
struct ContentStatus {
  std::string state = "idle";  // idle, downloading, paused, blocked, failed, installed
  std::uint64_t installed_version = 0;  // 0: none
  std::uint64_t pending_version = 0;    // 0: none
  std::uint64_t bytes_done = 0;         // of the pending version's files, on disk
  std::uint64_t bytes_total = 0;
  std::string reason;                   // why blocked or failed, in plain words; "" when none
  std::uint64_t refetched_bytes = 0;    // bytes downloaded again (a blob that failed its hash)
  std::int64_t updated_ms = 0;
  bool operator==(const ContentStatus&) const = default;
};
std::string content_status_json(const ContentStatus& s);
Result<ContentStatus> parse_content_status(std::string_view json, std::string_view source);
Status write_content_status(Env& env, const ContentPaths& paths, const ContentStatus& s);
// nullopt when there is no status file yet.
Result<std::optional<ContentStatus>> read_content_status(Env& env, const ContentPaths& paths);

// `outpostctl content import --from DIR` (a channel copied to a stick as
// the clinic publishes it: DIR/manifest.json and DIR/blobs/<sha256>): the
// same checks as the network path (signature, channel, version, sizes and
// hashes), then the same atomic install. progress(done, total) in bytes.
struct ImportReport {
  OfferResult offer = OfferResult::staged;
  std::uint64_t version = 0;
  std::uint64_t files_copied = 0;
  std::uint64_t bytes_copied = 0;
  bool installed = false;
};
Result<ImportReport> import_channel(ContentStore& store, const std::filesystem::path& from,
                                    const std::function<void(std::uint64_t, std::uint64_t)>& progress = nullptr);

}  // namespace outpost::sync
