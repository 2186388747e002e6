// Draws a View with ImGui into one full-screen window. The only ImGui code
// besides the theme and fonts; called on the UI thread between NewFrame and
// Render.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "ui/fonts.h"
#include "ui/pictures.h"
#include "ui/theme.h"
#include "ui/view.h"

namespace outpost::ui {

// A rectangle of the window, in pixels.
struct ScreenRect {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool operator==(const ScreenRect&) const = default;
};

// The seek bar shows the position in steps of this, so that most video
// frames leave it as it was (a software renderer repaints less).
inline constexpr std::int64_t kSeekBarStepMs = 250;

struct RenderResult {
  std::optional<std::size_t> clicked;  // index among the active elements (overlay if shown)
  bool hold_pressed = false;           // the pointer is down on the hold control
  std::optional<float> seek_drag;      // the pointer holds the seek bar at this fraction
  // What a playing video changes from frame to frame: the video with its
  // caption and notice line, down to the seek bar with its time; and the
  // video with its caption alone (the bar moves in kSeekBarStepMs steps).
  std::optional<ScreenRect> live, video;
};

// `focus` indexes the active elements (the overlay when it is shown);
// `scroll_to_focus` scrolls a long list (review) to it after a Tab.
// `pictures` may be null (tests): no video and no thumbnails are drawn.
RenderResult render(const View& view, std::size_t focus, bool scroll_to_focus, const Fonts& fonts,
                    float width, float height, Pictures* pictures = nullptr);

// The colour to clear the frame to before drawing `view`.
Rgb background_colour(const View& view);

}  // namespace outpost::ui
