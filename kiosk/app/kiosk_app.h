// KioskApp: the `outpost` program put together (docs/design.md,
// "Architecture"): the site config, crisis rules and check-in
// questionnaires, the Submit path (the sealed outbox, or memory for the
// built-in demo, or a sink that refuses when the config cannot seal), the
// fonts, then the window, the outbox writer thread, the Session and the UI.
//
// open() reads and checks everything before any window exists, so a bad
// file is reported with its name and the kiosk never starts half-configured.
// run() belongs to the UI thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "config/site_config.h"
#include "kiosk/app/content_wiring.h"
#include "kiosk/questionnaire.h"
#include "kiosk/submission.h"
#include "sync/kiosk_outbox.h"
#include "ui/kiosk_window_sdl.h"

namespace outpost::app {

struct KioskArgs {
  std::filesystem::path config_file;  // empty: /etc/outpost/outpost.toml, else the demo config
  std::filesystem::path data_dir;     // empty: the config's
  std::filesystem::path font_dir = "/usr/share/fonts/truetype/noto";
  std::filesystem::path test_hook;    // empty: none; else a file to append frame lines to
  ui::WindowOptions window;           // test_hook is filled in by open()
};

// The Submit path of a kiosk whose config cannot seal: every submit fails
// with `reason`, and the patient is asked to tell the staff, rather than
// answers being kept where nobody gets them.
class RefusingSubmitSink final : public SubmitSink {
 public:
  explicit RefusingSubmitSink(Status reason) : reason_(std::move(reason)) {}
  Result<std::string> submit(const Questionnaire&, const Answers&, const Assessment&, const ResponseMeta&) override {
    return reason_;
  }
  Result<std::string> raise_crisis(const Questionnaire&, const std::vector<std::string>&,
                                   const ResponseMeta&) override {
    return reason_;
  }

 private:
  Status reason_;
};

class KioskApp {
 public:
  // `warn` gets problems that do not stop the kiosk (a questionnaire's
  // uncovered risk item, a sink that will refuse).
  static Result<std::unique_ptr<KioskApp>> open(const KioskArgs& args, std::ostream& warn);
  KioskApp(const KioskApp&) = delete;  // the sink and the hook point into it
  KioskApp& operator=(const KioskApp&) = delete;

  // Opens the window and runs until SIGINT or SIGTERM (block_quit_signals()
  // must have run in main). Once: the window takes the fonts. An error: the
  // window could not open.
  Status run();

  const SiteConfig& config() const { return config_.config; }
  bool demo() const { return config_.demo(); }
  const std::vector<Questionnaire>& checkin() const { return questionnaires_; }
  SubmitSink& sink() { return *sink_; }

 private:
  KioskApp() = default;

  KioskArgs args_;
  ProgramConfig config_;
  std::vector<Questionnaire> questionnaires_;
  std::vector<unsigned char> regular_font_, bold_font_;
  std::ofstream hook_;
  MemorySubmitSink memory_sink_;
  std::unique_ptr<sync::KioskOutbox> outbox_;
  std::unique_ptr<RefusingSubmitSink> refusing_sink_;
  SubmitSink* sink_ = nullptr;
  std::unique_ptr<LibraryReader> library_;  // null: no videos on this kiosk
};

}  // namespace outpost::app
