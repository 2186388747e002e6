// Pictures: what the renderer draws besides text and shapes: the video's
// newest frame and picture files (library thumbnails). The SDL window
// implements it (ui/kiosk_window_sdl.cpp); UI tests pass none.
// UI thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <imgui.h>

#include "media/player.h"

namespace outpost::ui {

// A decoded picture file: RGBA, 4 * width bytes per row.
struct DecodedImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgba;
};

class Pictures {
 public:
  virtual ~Pictures() = default;
  // Copies `frame` into the video texture (I420 planes, with their strides).
  virtual void show_frame(const VideoFrame& frame) = 0;
  // Forgets the video texture (the player closed).
  virtual void clear_video() = 0;
  // The video's size; false before the first frame.
  virtual bool video_size(int& width, int& height) = 0;
  // Draws the video into a..b of `dl`, in draw order (captions drawn after
  // it land on top).
  virtual void draw_video(ImDrawList* dl, ImVec2 a, ImVec2 b) = 0;
  // A PNG or JPEG file as a texture, decoded once; null when it cannot be.
  virtual ImTextureID image(const std::string& file, int& width, int& height) = 0;
};

}  // namespace outpost::ui
