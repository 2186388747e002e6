#include "kiosk/app/kiosk_app.h"

#include <cstdio>
#include <ostream>

#include "config/crisis_rules_toml.h"
#include "kiosk/app/shipped_data.h"
#include "kiosk/file_read.h"
#include "kiosk/session.h"
#include "kiosk/submitter.h"
#include "kiosk/webvtt.h"
#include "media/media_gst.h"
#include "media/player_gst.h"
#include "ui/kiosk_ui.h"

namespace outpost::app {

namespace {

// Font files, checked like every file from outside (kiosk/file_read.h).
Result<std::vector<unsigned char>> read_font(const std::filesystem::path& path) {
  auto text = read_file_checked(path, 32 << 20, "font file");
  if (!text.ok()) return Status(text.status().code(), text.status().message() + " (install fonts-noto-core)");
  return std::vector<unsigned char>(text->begin(), text->end());
}

Result<Questionnaire> load_questionnaire(const std::filesystem::path& path) {
  auto text = read_file_checked(path, 8 << 20, "questionnaire file");
  if (!text.ok()) return text.status();
  return Questionnaire::parse(*text, path.string());
}

}  // namespace

Result<std::unique_ptr<KioskApp>> KioskApp::open(const KioskArgs& args, std::ostream& warn) {
  std::unique_ptr<KioskApp> a(new KioskApp());
  a->args_ = args;
  auto loaded = load_program_config(args.config_file, args.data_dir);
  if (!loaded.ok()) return loaded.status();
  a->config_ = std::move(loaded).value();
  const SiteConfig& config = a->config_.config;
  // Crisis rules: a bad file stops the kiosk; it never runs without rules by accident.
  Result<CrisisRules> rules =
      load_crisis_rules(crisis_rules_file(config, shipped_config_dir() / "crisis-rules.toml"));
  if (!rules.ok()) return rules.status();
  for (const auto& path : checkin_paths(config, shipped_config_dir() / "questionnaires")) {
    Result<Questionnaire> q = load_questionnaire(path);
    if (!q.ok()) return q.status();
    // Without an identity the clinic could confuse it with another one.
    if (!q->deployable())
      return Status(Errc::invalid_questionnaire, q->deploy_problems().front() + " (the kiosk does not offer it)");
    for (const auto& p : rules->apply(*q).problems) warn << "outpost: warning: " << path.string() << ": " << p << "\n";
    for (const RiskItem& r : uncovered_risk_items(*q))
      warn << "outpost: warning: " << path.string() << ": " << r.warning() << "\n";
    a->questionnaires_.push_back(std::move(q).value());
  }

  // The Submit path: the sealed outbox in the data dir. Only the built-in
  // demo config (no --config, no /etc file) keeps answers in memory instead.
  if (a->demo()) {
    warn << "outpost: demo mode (no site config): submissions are kept in memory only\n";
    a->sink_ = &a->memory_sink_;
  } else {
    auto opened = sync::KioskOutbox::open(
        {config.kiosk_id, config.data_dir, config.clinic.sealing_public_key, shipped_config_dir() / "dictionaries"});
    if (!opened.ok()) return opened.status();
    a->outbox_ = std::move(opened).value();
    if (auto s = a->outbox_->sink(); s.ok()) {
      a->sink_ = *s;
    } else {
      // The kiosk still opens; every submit fails and the patient is asked
      // to tell the staff.
      warn << "outpost: " << s.status().message() << "; submissions will be refused\n";
      a->refusing_sink_ = std::make_unique<RefusingSubmitSink>(s.status());
      a->sink_ = a->refusing_sink_.get();
    }
  }

  // Videos: the installed library, when the kiosk can check the clinic's
  // signature. Without one the Videos button stays hidden.
  if (!config.clinic.signing_public_key.empty()) {
    if (auto store = open_content_store(config); store.ok()) {
      a->library_ = std::make_unique<LibraryReader>(std::move(store).value());
      a->library_->current();
      if (!a->library_->problem().empty())
        warn << "outpost: warning: the video library cannot be read: " << a->library_->problem() << "\n";
    } else {
      warn << "outpost: warning: no videos: " << store.status().message() << "\n";
    }
  }

  auto regular = read_font(args.font_dir / "NotoSans-Regular.ttf");
  if (!regular.ok()) return regular.status();
  auto bold = read_font(args.font_dir / "NotoSans-Bold.ttf");
  if (!bold.ok()) return bold.status();
  a->regular_font_ = std::move(regular).value();
  a->bold_font_ = std::move(bold).value();

  if (!args.test_hook.empty()) {
    a->hook_.open(args.test_hook, std::ios::app);
    if (!a->hook_) return Status(Errc::io_error, args.test_hook.string() + ": cannot open test hook file");
    a->args_.window.test_hook = &a->hook_;
  }
  if (!args.window.screenshot_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(args.window.screenshot_dir, ec);
    if (ec) return Status(Errc::io_error, args.window.screenshot_dir.string() + ": " + ec.message());
  }
  return a;
}

Status KioskApp::run() {
  if (library_ && media_init().ok()) {
    args_.window.decode_image = [](const std::string& file) -> std::optional<ui::DecodedImage> {
      auto img = decode_image(file, 1920, 1080);
      if (!img.ok()) {
        std::fprintf(stderr, "outpost: warning: thumbnail: %s\n", img.status().message().c_str());
        return std::nullopt;
      }
      return ui::DecodedImage{img->width, img->height, std::move(img->rgba)};
    };
  }
  auto window = ui::KioskWindow::open(args_.window, std::move(regular_font_), std::move(bold_font_),
                                      args_.font_dir.string());
  if (!window.ok()) return window.status();
  std::vector<const Questionnaire*> checkin;
  for (const auto& q : questionnaires_) checkin.push_back(&q);
  // The outbox is written on its own thread: no frame waits on SQLite. Its
  // results come back through the window's run queue. Destroyed before the
  // window, so its last results still find the queue.
  ThreadSubmitter writer(*sink_, (*window)->queue());
  SystemClock clock;
  Session session(clock, config().session, checkin, writer);
  ui::MediaServices media;
  if (library_) {
    if (Status s = media_init(); !s.ok()) {
      std::fprintf(stderr, "outpost: warning: no videos: %s\n", s.message().c_str());
    } else {
      media.library = [this] { return library_->current(); };
      media.make_player = [queue = &(*window)->queue()] {
        // The streaming thread only wakes the UI loop; the frame is taken there.
        return make_gst_player([queue] { queue->post([] {}); });
      };
      media.load_captions = [](const std::filesystem::path& file) -> Result<Captions> {
        auto text = read_file_checked(file, kMaxWebvttBytes, "caption file");
        if (!text.ok()) return text.status();
        return parse_webvtt(*text, file.string());
      };
    }
  }
  ui::KioskUi kiosk(session, clock, config().crisis, (*window)->fonts(), std::move(media));
  (*window)->run(kiosk, session, clock);
  return Status::Ok();
}

}  // namespace outpost::app
