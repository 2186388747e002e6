// `outpost-clinic publish` (docs/design.md, "Content channels", Publishing):
// a ContentSource becomes a channel folder, OUT/manifest.json and
// OUT/blobs/<sha256>. Each video, caption file and thumbnail is checked by
// the callbacks (GStreamer and the WebVTT parser in the program), the
// version is one more than the manifest already in OUT (whose signature
// must verify with the same clinic key), blobs are written before the
// manifest, and blobs neither this nor the previous version names are
// removed. Pure over Env.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "kiosk/content_source.h"
#include "kiosk/env.h"
#include "sync/channel.h"

namespace outpost::sync {

struct PublishChecks {
  // The video's duration in ms, or an error when it is not WebM with VP8 or
  // VP9 and Opus, or does not decode.
  std::function<Result<std::int64_t>(const std::filesystem::path&)> video;
  std::function<Status(const std::filesystem::path&)> thumbnail;
  // The caption file's text (the project's WebVTT parser).
  std::function<Status(std::string_view text, const std::filesystem::path&)> captions;
};

struct PublishReport {
  ChannelManifest manifest;
  std::uint64_t blobs_written = 0;  // new in OUT/blobs
  std::uint64_t blobs_removed = 0;
};

Result<PublishReport> publish_channel(Env& env, const ContentSource& source, const std::string& channel,
                                      const std::filesystem::path& out, const SigningKeyPair& clinic,
                                      const PublishChecks& checks, const std::string& published_utc);

}  // namespace outpost::sync
