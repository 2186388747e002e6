// outpost: the kiosk window (docs/design.md, "Kiosk UI"). Parses the
// arguments; kiosk/app/kiosk_app.h puts the kiosk together and runs it.
// Patient mode cannot be left; SIGTERM or SIGINT end the program cleanly.
#include <cstdio>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "kiosk/app/kiosk_app.h"
#include "kiosk/process_hardening.h"
#include "ui/platform_sdl.h"

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "outpost: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace outpost;
  const auto started = std::chrono::steady_clock::now();
  if (auto s = disable_core_dumps(); !s.ok()) std::fprintf(stderr, "outpost: warning: %s\n", s.message().c_str());
  ui::block_quit_signals();  // before any thread exists

  app::KioskArgs args;
  std::string windowed;
  CLI::App cli{"outpost: the Outpost kiosk window"};
  cli.set_version_flag("--version", "outpost " OUTPOST_VERSION);
  cli.add_option("--config", args.config_file, "site config (outpost.toml)");
  cli.add_option("--data-dir", args.data_dir, "data directory (overrides the config)");
  cli.add_option("--windowed", windowed, "a window of WIDTHxHEIGHT instead of full screen (development)");
  cli.add_option("--test-hook", args.test_hook, "append one JSON line per drawn frame describing the screen (tests)");
  cli.add_option("--screenshot-dir", args.window.screenshot_dir,
                 "save a BMP of each distinct screen here (tests and demo only: it captures what is typed)");
  cli.add_option("--renderer", args.window.renderer, "SDL render driver: software (default), auto, opengl, ...");
  cli.add_option("--font-dir", args.font_dir, "where NotoSans-Regular.ttf and NotoSans-Bold.ttf are");
  CLI11_PARSE(cli, argc, argv);
  args.window.started = started;
  int& w = args.window.width;
  int& h = args.window.height;
  if (!windowed.empty() && (std::sscanf(windowed.c_str(), "%dx%d", &w, &h) != 2 || w < 320 || h < 240 ||
                            w > 16384 || h > 16384))
    return fail("--windowed: expected WIDTHxHEIGHT, e.g. 1920x1080, got '" + windowed + "'");

  auto kiosk = app::KioskApp::open(args, std::cerr);
  if (!kiosk.ok()) return fail(kiosk.status().message());
  if (Status s = (*kiosk)->run(); !s.ok()) return fail(s.message());
  return 0;
}
