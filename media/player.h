// The video player as the UI sees it: a pure interface, no GStreamer here,
// so ui/ tests use a fake (docs/design.md, "Media", Player threading contract).
//
// Threads: every method is called on the UI thread only. The implementation's
// streaming thread only stores the newest decoded frame (and bus messages)
// and calls on_wake, which the kiosk turns into a RunQueue post that wakes
// the SDL loop; the UI thread then calls poll() and take_frame(). Nothing
// polls on a timer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "kiosk/result.h"

namespace outpost {

// One decoded I420 picture. The planes stay valid as long as `keep` (which
// holds the mapped GStreamer frame); strides come from GstVideoInfo and are
// NOT the width (854x480 has strides 856/428/428).
struct VideoFrame {
  int width = 0;
  int height = 0;
  const std::uint8_t* planes[3] = {nullptr, nullptr, nullptr};  // Y, U, V
  int strides[3] = {0, 0, 0};
  std::int64_t pts_ms = 0;
  std::shared_ptr<const void> keep;
};

enum class PlayerState { idle, playing, paused, ended, error };

class Player {
 public:
  virtual ~Player() = default;
  // Loads a file (paused at 0). An undecodable file leaves state() == error.
  virtual Status open(const std::filesystem::path& path) = 0;
  virtual void play() = 0;
  virtual void pause() = 0;
  virtual void seek(std::int64_t ms) = 0;
  virtual void set_volume(double volume) = 0;  // 0..1
  // Handles what the streaming thread reported (EOS, errors); call after a wake.
  virtual void poll() = 0;
  // The newest frame not yet taken, or nothing.
  virtual std::optional<VideoFrame> take_frame() = 0;
  virtual PlayerState state() const = 0;
  virtual std::string error_message() const = 0;  // calm, for the screen; "" unless error
  virtual std::int64_t position_ms() const = 0;
  virtual std::int64_t duration_ms() const = 0;
  virtual std::int64_t frames_presented() const = 0;
  virtual std::int64_t dropped_frames() const = 0;
  virtual bool audio_available() const = 0;
};

}  // namespace outpost
