// GStreamer helpers for checking and probing published media files
// (docs/design.md, "Media"). Any thread; each call builds its own pipeline.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "kiosk/result.h"
#include "media/image.h"

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

// Decodes a PNG or JPEG still (a library thumbnail) to RGBA: filesrc !
// decodebin ! videoconvert ! RGBA appsink, one frame, rows copied with the
// frame's own stride. The file is recognised by its first bytes, not its
// name. Refused with a message naming the file: anything that is not PNG or
// JPEG (Errc::invalid_argument), a picture wider than max_width or taller
// than max_height (checked on the decoder's caps, before the frame is
// decoded, so a huge picture allocates nothing), a file over 16 MiB, and a
// truncated or damaged file, including one libjpeg "repairs" with a warning
// (Errc::corrupt). Gives up after 5 s (Errc::busy) rather than hang. Any
// thread; each call builds its own pipeline.
Result<Image> decode_image(const std::filesystem::path& file, int max_width = 1920, int max_height = 1080);

}  // namespace outpost
