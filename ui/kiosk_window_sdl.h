// KioskWindow: the kiosk's SDL2 window, renderer and Dear ImGui backends, and
// the main loop that runs the KioskUi in them (docs/design.md, "Kiosk UI").
// The loop is linear, as in Dear ImGui's SDL renderer example: events, new
// frame, draw, render, present; FrameSchedule decides when to draw.
//
// Patient mode cannot be left: window close, Alt+F4 and SDL_QUIT are
// ignored; SIGINT or SIGTERM (see block_quit_signals()) end run().
//
// Created, run and destroyed on the UI thread, after SDL's hints are set by
// open(). queue() may be posted to from any thread; a post wakes the loop.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "kiosk/clock.h"
#include "kiosk/result.h"
#include "kiosk/run_queue.h"
#include "kiosk/session.h"
#include "ui/fonts.h"
#include "ui/kiosk_ui.h"
#include "ui/pictures.h"

namespace outpost::ui {

struct WindowOptions {
  int width = 0, height = 0;           // 0: full screen
  std::string renderer = "software";   // SDL render driver: software, auto, opengl, ...
  std::filesystem::path screenshot_dir;  // empty: none; else NNN-<screen>.bmp per distinct view
  std::ostream* test_hook = nullptr;   // one JSON line per drawn frame (tests)
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();  // for the hook's t_ms
  // Decodes library thumbnails (media/); empty: none are drawn.
  std::function<std::optional<DecodedImage>(const std::string& file)> decode_image;
};

class KioskWindow {
 public:
  // Opens the window and loads the fonts. `regular` and `bold` are TrueType
  // files; the window keeps them (the font atlas points into them).
  static Result<std::unique_ptr<KioskWindow>> open(const WindowOptions& options, std::vector<unsigned char> regular,
                                                   std::vector<unsigned char> bold, const std::string& font_source);
  ~KioskWindow();
  KioskWindow(const KioskWindow&) = delete;
  KioskWindow& operator=(const KioskWindow&) = delete;

  RunQueue& queue();
  const Fonts& fonts() const;

  // Runs until SIGINT or SIGTERM. `kiosk` draws `session`.
  void run(KioskUi& kiosk, const Session& session, const Clock& clock);

 private:
  struct Parts;
  explicit KioskWindow(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace outpost::ui
