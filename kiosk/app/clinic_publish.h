// `outpost-clinic publish` and `channel show` (docs/design.md, "Content
// channels", Publishing): the content folder read (config/), every video,
// caption and thumbnail checked (GStreamer in media/, the project's WebVTT
// parser), and the channel written and signed with the clinic's key (sync/).
#pragma once

#include <filesystem>
#include <string>

#include "kiosk/result.h"
#include "sync/channel_publish.h"

namespace outpost::app {

struct PublishArgs {
  std::filesystem::path clinic;  // the clinic key directory (keygen)
  std::filesystem::path from;    // CONTENT_DIR
  std::string channel;
  std::filesystem::path out;     // the channel folder: <drop box data>/channels/<name>
};
Result<sync::PublishReport> publish_content(const PublishArgs& args);

// The checks publish runs on each file, on their own for tests.
sync::PublishChecks media_publish_checks();

// manifest.json in `dir`, verified with the clinic's signing public key
// from `clinic` (or, when empty, read without checking the signature and
// said so in `verified`).
struct ShownChannel {
  sync::ChannelManifest manifest;
  bool verified = false;
};
Result<ShownChannel> show_channel(const std::filesystem::path& dir, const std::filesystem::path& clinic);

}  // namespace outpost::app
