// GStreamer helpers for checking and probing published media files
// (docs/design.md, "Media"). Any thread; each call builds its own pipeline.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "kiosk/result.h"

namespace outpost {

// gst_init once per process; safe to call from any thread, any number of times.
Status media_init();

struct MediaInfo {
  std::int64_t duration_ms = 0;
  std::string container;    // "webm", "mp4", "ogg", ...
  std::string video_codec;  // "VP8", "VP9", "H.264", ... ("" when none)
  std::string audio_codec;  // "Opus", "Vorbis", ... ("" when none)
  int width = 0;
  int height = 0;
  double fps = 0;
};

// Reads the file's headers (GstDiscoverer, 10 s timeout). Errc::corrupt
// naming the file when GStreamer cannot read it.
Result<MediaInfo> probe_media(const std::filesystem::path& path);

// A kiosk video: WebM with VP8 or VP9 video. Audio is optional (a silent
// skills video is allowed) but when present it must be Opus.
Status check_video_file(const std::filesystem::path& path);

// Decodes every video and audio frame as fast as possible (fakesinks, no
// clock). Fails on any error or warning from the pipeline, on a gap in the
// video timestamps (the demuxer skips a damaged cluster silently), and when
// the decoded video ends well before the stated duration (truncation).
// `progress` (may be empty) is called from this thread with the position.
Status decode_all(const std::filesystem::path& path,
                  const std::function<void(std::int64_t pos_ms, std::int64_t dur_ms)>& progress);

}  // namespace outpost
