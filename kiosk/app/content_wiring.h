// Wiring shared by outpost-syncd, outpostctl content and the kiosk window:
// the site config's [content] and clinic key turned into the kiosk's
// ContentStore, and its state for staff (docs/design.md, "Content channels").
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/site_config.h"
#include "kiosk/library.h"
#include "sync/content_store.h"

namespace outpost::app {

// The clinic's signing key from clinic.signing_public_key; Errc::invalid_config
// naming the key when it is missing or not base64 of 32 bytes.
Result<sync::SigningPublicKey> clinic_signing_key(const SiteConfig& config);

// The library under config.data_dir/content for content.channel, with the
// disk reserve from [content]. Needs clinic.signing_public_key.
Result<std::unique_ptr<sync::ContentStore>> open_content_store(const SiteConfig& config, Env& env = Env::system());

// status.json after an import: installed and pending versions, and
// `outcome`'s message as the reason when it failed.
Status record_content_status(sync::ContentStore& store, const Status& outcome);

// What staff see: the installed manifest (or why it cannot be read) and
// the last status syncd or an import wrote.
struct ContentSummary {
  std::string channel;
  std::optional<sync::ChannelManifest> installed;
  std::string library_error;
  sync::ContentStatus status;
};
Result<ContentSummary> content_summary(const SiteConfig& config);

// Runs `decode` (GStreamer's full decode, media/) on every installed video:
// one line per video that fails. progress(done, total) in videos.
using DecodeCheck = std::function<Status(const std::filesystem::path&)>;
Result<std::vector<std::string>> decode_library(const sync::ContentStore& store, const DecodeCheck& decode,
                                                const std::function<void(std::uint64_t, std::uint64_t)>& progress);

// The kiosk screens' view of a verified manifest: items sorted by topic (in
// the channel's topic order), then order, then id; files as blob paths.
Library to_library(const sync::ChannelManifest& m, const sync::ContentPaths& paths);

// The installed library for the kiosk window, re-read (and re-verified) only
// when manifest.json changed size or time: cheap enough to ask on every
// return to the welcome screen. Null when nothing is installed, or when the
// manifest cannot be read (problem() says why). UI thread only.
class LibraryReader {
 public:
  explicit LibraryReader(std::unique_ptr<sync::ContentStore> store) : store_(std::move(store)) {}
  std::shared_ptr<const Library> current();
  const std::string& problem() const { return problem_; }

 private:
  std::unique_ptr<sync::ContentStore> store_;
  std::shared_ptr<const Library> library_;
  std::string problem_;
  std::int64_t seen_size_ = -1;
  std::int64_t seen_mtime_ms_ = -1;
};

}  // namespace outpost::app
