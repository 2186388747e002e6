// A decoded still picture (a library thumbnail), in plain memory. No
// GStreamer here, so ui/ can include it; media/media_gst.h decodes one.
#pragma once

#include <cstdint>
#include <vector>

namespace outpost {

// 8-bit RGBA, rows top to bottom, tightly packed: row y starts at
// rgba[4 * width * y], and rgba.size() == 4 * width * height. A JPEG (no
// alpha) comes out with alpha 255 everywhere.
struct Image {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> rgba;
};

}  // namespace outpost
