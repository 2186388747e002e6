// The publish input folder (docs/design.md, "Content channels", Publishing):
//   DIR/channel.toml          default_language, [title]
//   DIR/<item-id>/item.toml   topic, order, video, thumbnail, [title],
//                             [description], [captions]
//   DIR/schedule.toml         optional: [[session]] id, kind, start, end,
//                             server, room, pin, patients, [session.title]
// Strict like the site config: an unknown key, a missing file or a file
// name that leaves the item's folder is an error naming the item.toml and
// key. Only the TOML is read here; the files are checked by publish.
#pragma once

#include <filesystem>

#include "kiosk/content_source.h"
#include "kiosk/result.h"

namespace outpost {

Result<ContentSource> load_content_source(const std::filesystem::path& dir);

}  // namespace outpost
