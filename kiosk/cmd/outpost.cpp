// outpost: the kiosk window (docs/design.md, "Kiosk UI").
//
// Wires the site config, the check-in questionnaires, the Session and the
// Submit path to the SDL2 + Dear ImGui UI. The main loop is linear, as in
// Dear ImGui's SDL renderer example: events, new frame, draw, render,
// present. It draws only when input, a timer or an animation needs a frame
// and otherwise blocks in SDL_WaitEvent(Timeout).
//
// Patient mode cannot be left: window close, Alt+F4 and SDL_QUIT are ignored.
// SIGTERM or SIGINT end the program cleanly.
#include <signal.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <SDL.h>
#include <imgui.h>
#include <imgui_impl_sdl.h>
#include <imgui_impl_sdlrenderer.h>
#include <CLI/CLI.hpp>

#include "config/crisis_rules_toml.h"
#include "config/site_config.h"
#include "kiosk/cmd/shipped_data.h"
#include "kiosk/clock.h"
#include "kiosk/file_read.h"
#include "kiosk/process_hardening.h"
#include "kiosk/run_queue.h"
#include "kiosk/session.h"
#include "kiosk/submission.h"
#include "kiosk/submitter.h"
#include "sync/kiosk_outbox.h"
#include "ui/fonts.h"
#include "ui/kiosk_ui.h"
#include "ui/render.h"
#include "ui/theme.h"
#include "ui/view_json.h"

namespace {

using namespace outpost;
using Ms = std::chrono::milliseconds;

constexpr const char* kDefaultConfig = "/etc/outpost/outpost.toml";

struct Options {
  std::string config_file;
  std::string data_dir;
  std::string windowed;  // "WxH"; empty: full screen
  std::string test_hook;
  std::string screenshot_dir;
  std::string renderer = "software";
  std::string font_dir = "/usr/share/fonts/truetype/noto";
};

int fail(const std::string& message) {
  std::fprintf(stderr, "outpost: %s\n", message.c_str());
  return 2;
}

// Font files, checked like every file from outside (kiosk/file_read.h).
Result<std::vector<unsigned char>> read_font(const std::filesystem::path& path) {
  auto text = read_file_checked(path, 32 << 20, "font file");
  if (!text.ok()) return text.status();
  return std::vector<unsigned char>(text->begin(), text->end());
}

Result<Questionnaire> load_questionnaire(const std::filesystem::path& path) {
  auto text = read_file_checked(path, 8 << 20, "questionnaire file");
  if (!text.ok()) return text.status();
  return Questionnaire::parse(*text, path.string());
}

// --config, else /etc/outpost/outpost.toml when present; empty: built-in demo config.
std::string config_file(const Options& o) {
  if (!o.config_file.empty()) return o.config_file;
  return path_may_exist(kDefaultConfig) ? kDefaultConfig : "";
}

Result<SiteConfig> load_config(const Options& o) {
  const std::string file = config_file(o);
  Result<SiteConfig> config =
      file.empty() ? Result<SiteConfig>(default_site_config()) : load_site_config(file);
  if (config.ok() && !o.data_dir.empty()) config->data_dir = o.data_dir;
  return config;
}

// The Submit path of a kiosk whose config cannot seal (no clinic key).
class RefusingSubmitSink final : public SubmitSink {
 public:
  Result<std::string> submit(const Questionnaire&, const Answers&, const Assessment&,
                             const ResponseMeta&) override {
    return reason;
  }
  Result<std::string> raise_crisis(const Questionnaire&, const std::vector<std::string>&,
                                   const ResponseMeta&) override {
    return reason;
  }
  Status reason{Errc::invalid_config, "no clinic key"};
};

// SIGINT and SIGTERM are blocked in every thread and taken by sigwait() on
// this one, which posts an SDL event (SDL_PushEvent is thread-safe and wakes
// SDL_WaitEvent). Created after SDL_Init, joined before SDL_Quit.
class SignalWatcher {
 public:
  explicit SignalWatcher(Uint32 event_type) : event_type_(event_type) {
    thread_ = std::thread([this] {
      sigset_t set = signals();
      int sig = 0;
      sigwait(&set, &sig);
      if (closing_) return;
      SDL_Event e{};
      e.type = event_type_;
      e.user.code = sig;
      SDL_PushEvent(&e);
    });
  }
  ~SignalWatcher() {
    closing_ = true;
    pthread_kill(thread_.native_handle(), SIGTERM);  // wakes sigwait if no signal came
    thread_.join();
  }
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  static sigset_t signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
  }

 private:
  Uint32 event_type_;
  std::atomic<bool> closing_{false};
  std::thread thread_;
};

struct SdlDeleter {
  void operator()(SDL_Window* w) const { SDL_DestroyWindow(w); }
  void operator()(SDL_Renderer* r) const { SDL_DestroyRenderer(r); }
  void operator()(SDL_Surface* s) const { SDL_FreeSurface(s); }
};
struct SdlVideo {
  SdlVideo() : ok(SDL_Init(SDL_INIT_VIDEO) == 0) {}
  ~SdlVideo() { SDL_Quit(); }
  SdlVideo(const SdlVideo&) = delete;
  SdlVideo& operator=(const SdlVideo&) = delete;
  bool ok;
};
struct ImGuiContextGuard {
  ImGuiContextGuard() { ImGui::CreateContext(); }
  ~ImGuiContextGuard() { ImGui::DestroyContext(); }
  ImGuiContextGuard(const ImGuiContextGuard&) = delete;
  ImGuiContextGuard& operator=(const ImGuiContextGuard&) = delete;
};
struct ImGuiBackends {
  ImGuiBackends(SDL_Window* w, SDL_Renderer* r)
      : platform(ImGui_ImplSDL2_InitForSDLRenderer(w)), renderer(platform && ImGui_ImplSDLRenderer_Init(r)) {}
  ~ImGuiBackends() {
    if (renderer) ImGui_ImplSDLRenderer_Shutdown();
    if (platform) ImGui_ImplSDL2_Shutdown();
  }
  ImGuiBackends(const ImGuiBackends&) = delete;
  ImGuiBackends& operator=(const ImGuiBackends&) = delete;
  bool platform, renderer;
};

std::optional<ui::Key> map_key(const SDL_Keysym& k, int& digit) {
  const SDL_Keycode c = k.sym;
  if (c >= SDLK_0 && c <= SDLK_9) {
    digit = c - SDLK_0;
    return ui::Key::digit;
  }
  if (c >= SDLK_KP_1 && c <= SDLK_KP_9) {
    digit = c - SDLK_KP_1 + 1;
    return ui::Key::digit;
  }
  switch (c) {
    case SDLK_KP_0:
      digit = 0;
      return ui::Key::digit;
    case SDLK_RETURN:
    case SDLK_KP_ENTER:
    case SDLK_SPACE:
      return ui::Key::confirm;
    case SDLK_BACKSPACE:
      return ui::Key::erase;
    case SDLK_ESCAPE:
      return ui::Key::back;
    case SDLK_TAB:
      return (k.mod & KMOD_SHIFT) ? ui::Key::shift_tab : ui::Key::tab;
    default:
      return std::nullopt;
  }
}

// CPU time of this thread; a frame's cost without the wait for a busy core.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// Writes the renderer's current picture as NNN-screen.bmp; before present.
void save_screenshot(SDL_Renderer* renderer, const std::filesystem::path& dir, int n,
                     const std::string& screen) {
  int w = 0, h = 0;
  if (SDL_GetRendererOutputSize(renderer, &w, &h) != 0) return;
  std::unique_ptr<SDL_Surface, SdlDeleter> s(
      SDL_CreateRGBSurfaceWithFormat(0, w, h, 24, SDL_PIXELFORMAT_RGB24));
  if (!s) return;
  if (SDL_RenderReadPixels(renderer, nullptr, SDL_PIXELFORMAT_RGB24, s->pixels, s->pitch) != 0) return;
  char name[32];
  std::snprintf(name, sizeof name, "%03d-", n);
  const std::string path = (dir / (name + screen + ".bmp")).string();
  if (SDL_SaveBMP(s.get(), path.c_str()) != 0)
    std::fprintf(stderr, "outpost: cannot write %s\n", path.c_str());
}

int run(const Options& o, std::chrono::steady_clock::time_point started) {
  // Config and questionnaires, before any window: a bad file is reported
  // with its name and the kiosk does not start half-configured.
  Result<SiteConfig> config = load_config(o);
  if (!config.ok()) return fail(config.status().message());
  // Crisis rules: a bad file stops the kiosk; it never runs without rules
  // by accident.
  Result<CrisisRules> rules =
      load_crisis_rules(crisis_rules_file(*config, shipped_config_dir() / "crisis-rules.toml"));
  if (!rules.ok()) return fail(rules.status().message());
  std::vector<Questionnaire> questionnaires;
  for (const auto& path :
       checkin_paths(*config, shipped_config_dir() / "questionnaires")) {
    Result<Questionnaire> q = load_questionnaire(path);
    if (!q.ok()) return fail(q.status().message());
    // Without an identity the clinic could confuse it with another one.
    if (!q->deployable()) return fail(q->deploy_problems().front() + " (the kiosk does not offer it)");
    for (const auto& p : rules->apply(*q).problems) {
      std::fprintf(stderr, "outpost: warning: %s: %s\n", path.string().c_str(), p.c_str());
    }
    for (const RiskItem& r : uncovered_risk_items(*q)) {
      std::fprintf(stderr, "outpost: warning: %s: %s\n", path.string().c_str(), r.warning().c_str());
    }
    questionnaires.push_back(std::move(q).value());
  }
  std::vector<const Questionnaire*> checkin;
  for (const auto& q : questionnaires) checkin.push_back(&q);

  // The Submit path: the sealed outbox in the data dir. Only the built-in
  // demo config (no --config, no /etc file) keeps answers in memory instead.
  MemorySubmitSink memory_sink;
  RefusingSubmitSink refusing_sink;
  SubmitSink* sink = &memory_sink;
  std::unique_ptr<sync::KioskOutbox> outbox;
  if (config_file(o).empty()) {
    std::fprintf(stderr, "outpost: demo mode (no site config): submissions are kept in memory only\n");
  } else {
    auto opened =
        sync::KioskOutbox::open({config->kiosk_id, config->data_dir, config->clinic.sealing_public_key,
                                 shipped_config_dir() / "dictionaries"});
    if (!opened.ok()) return fail(opened.status().message());
    outbox = std::move(opened).value();
    if (auto s = outbox->sink(); s.ok()) {
      sink = *s;
    } else {
      // The kiosk still opens; every submit fails and the patient is asked to
      // tell the staff, rather than answers being kept where nobody gets them.
      std::fprintf(stderr, "outpost: %s; submissions will be refused\n", s.status().message().c_str());
      refusing_sink.reason = s.status();
      sink = &refusing_sink;
    }
  }

  auto regular = read_font(std::filesystem::path(o.font_dir) / "NotoSans-Regular.ttf");
  if (!regular.ok()) return fail(regular.status().message() + " (install fonts-noto-core)");
  auto bold = read_font(std::filesystem::path(o.font_dir) / "NotoSans-Bold.ttf");
  if (!bold.ok()) return fail(bold.status().message() + " (install fonts-noto-core)");

  int win_w = 0, win_h = 0;
  if (!o.windowed.empty() && (std::sscanf(o.windowed.c_str(), "%dx%d", &win_w, &win_h) != 2 || win_w < 320 ||
                              win_h < 240 || win_w > 16384 || win_h > 16384))
    return fail("--windowed: expected WIDTHxHEIGHT, e.g. 1920x1080, got '" + o.windowed + "'");

  std::ofstream hook;
  if (!o.test_hook.empty()) {
    hook.open(o.test_hook, std::ios::app);
    if (!hook) return fail(o.test_hook + ": cannot open test hook file");
  }
  if (!o.screenshot_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.screenshot_dir, ec);
    if (ec) return fail(o.screenshot_dir + ": " + ec.message());
  }

  SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
  SDL_SetHint(SDL_HINT_RENDER_VSYNC, "0");
  SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");
  SDL_SetHint(SDL_HINT_MOUSE_FOCUS_CLICKTHROUGH, "1");
  SDL_SetHint(SDL_HINT_QUIT_ON_LAST_WINDOW_CLOSE, "0");
  if (o.windowed.empty()) SDL_SetHint(SDL_HINT_GRAB_KEYBOARD, "1");
  // With the software renderer, present straight to the X server (XShm)
  // rather than through an OpenGL texture, which without a GPU means llvmpipe.
  if (o.renderer == "software") SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
  SdlVideo video;
  if (!video.ok) return fail(std::string("cannot start SDL video: ") + SDL_GetError());
  const Uint32 signal_event = SDL_RegisterEvents(1);
  SignalWatcher watcher(signal_event);

  Uint32 flags = SDL_WINDOW_BORDERLESS | SDL_WINDOW_ALLOW_HIGHDPI;
  if (o.windowed.empty()) {
    flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
    win_w = 1920;
    win_h = 1080;
  }
  std::unique_ptr<SDL_Window, SdlDeleter> window(
      SDL_CreateWindow("Outpost", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, win_w, win_h, flags));
  if (!window) return fail(std::string("cannot open the window: ") + SDL_GetError());
  Uint32 rflags = SDL_RENDERER_SOFTWARE;
  if (o.renderer != "software") {
    rflags = SDL_RENDERER_ACCELERATED;
    if (o.renderer != "auto") SDL_SetHint(SDL_HINT_RENDER_DRIVER, o.renderer.c_str());
  }
  std::unique_ptr<SDL_Renderer, SdlDeleter> renderer(SDL_CreateRenderer(window.get(), -1, rflags));
  if (!renderer) return fail(std::string("cannot create the ") + o.renderer + " renderer: " + SDL_GetError());

  ImGuiContextGuard imgui;
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // no files: nothing of a session is left on disk
  io.LogFilename = nullptr;
  ImGuiBackends backends(window.get(), renderer.get());
  if (!backends.renderer) return fail("cannot start the Dear ImGui SDL backends");
  ui::apply_theme();
  auto fonts = ui::load_fonts(*regular, *bold, o.font_dir);
  if (!fonts.ok()) return fail(fonts.status().message());

  // Work from other threads (the outbox writer's results) reaches this
  // thread only through `queue`; a post wakes SDL_WaitEvent.
  const Uint32 queue_event = SDL_RegisterEvents(1);
  RunQueue queue([queue_event] {
    SDL_Event e{};
    e.type = queue_event;
    SDL_PushEvent(&e);
  });
  // The outbox is written on its own thread: no frame waits on SQLite.
  ThreadSubmitter writer(*sink, queue);
  SystemClock clock;
  Session session(clock, config->session, checkin, writer);
  ui::KioskUi kiosk(session, clock, config->crisis, *fonts);

  // Frames to draw after a key or a timer: one shows the new state; a
  // screenshot is taken on a view's second frame, so two when saving them.
  const int settle_frames = o.screenshot_dir.empty() ? 1 : 2;
  int frames_due = 2;  // the first frame, and one to settle
  long frame_no = 0;
  int shot_no = 0;
  std::string last_shot, previous_view;
  for (;;) {
    // Sleep until an event, or until the session or an animation needs a frame.
    int wait_ms = -1;
    if (frames_due > 0 || kiosk.dirty()) {
      wait_ms = 0;
    } else {
      auto consider = [&](std::optional<Clock::Duration> in) {
        if (!in) return;
        // At least 1 ms: a deadline already due must not become a busy loop.
        const int ms = static_cast<int>(std::clamp<long long>(in->count(), 1, 60'000));
        wait_ms = wait_ms < 0 ? ms : std::min(wait_ms, ms);
      };
      if (auto deadline = session.next_deadline()) consider(*deadline - clock.monotonic());
      consider(kiosk.next_frame_in());
    }
    SDL_Event e;
    bool got = wait_ms < 0 ? SDL_WaitEvent(&e) != 0 : SDL_WaitEventTimeout(&e, wait_ms) != 0;
    bool quit = false;
    if (!got && wait_ms > 0) frames_due = std::max(frames_due, settle_frames);  // a timer came due
    while (got) {
      ImGui_ImplSDL2_ProcessEvent(&e);
      if (e.type == signal_event) quit = true;
      // SDL_QUIT and window close are ignored: patients cannot leave.
      if (e.type == SDL_KEYDOWN || e.type == SDL_KEYUP) {
        // Keys go to the kiosk, which marks itself dirty when they change
        // anything; auto-repeats are not keys.
        int digit = 0;
        const auto key = map_key(e.key.keysym, digit);
        if (e.type == SDL_KEYUP) {
          if (key) kiosk.key_up(*key);
        } else if (e.key.repeat == 0) {
          if (key)
            kiosk.key_down(*key, digit);
          else
            kiosk.pointer_activity();
          frames_due = std::max(frames_due, settle_frames);
        }
      } else {
        if (e.type == SDL_MOUSEBUTTONDOWN || e.type == SDL_MOUSEWHEEL || e.type == SDL_FINGERDOWN ||
            (e.type == SDL_MOUSEMOTION && e.motion.state != 0))
          kiosk.pointer_activity();
        frames_due = std::max(frames_due, 2);  // ImGui sees a click over two frames
      }
      got = SDL_PollEvent(&e) != 0;
    }
    if (quit) break;
    if (queue.drain() > 0) frames_due = std::max(frames_due, settle_frames);
    if (frames_due <= 0 && !kiosk.dirty()) continue;
    if (frames_due > 0) --frames_due;

    const auto t0 = std::chrono::steady_clock::now();
    const double cpu0 = thread_cpu_ms();
    ImGui_ImplSDLRenderer_NewFrame();
    ImGui_ImplSDL2_NewFrame();
    ImGui::NewFrame();
    kiosk.frame(io.DisplaySize.x, io.DisplaySize.y);
    ImGui::Render();
    const ui::Rgb bg = ui::background_colour(kiosk.view());
    SDL_SetRenderDrawColor(renderer.get(), bg.r, bg.g, bg.b, 255);
    SDL_RenderClear(renderer.get());
    ImGui_ImplSDLRenderer_RenderDrawData(ImGui::GetDrawData());
    auto shot_time = std::chrono::steady_clock::duration::zero();
    nlohmann::json view;
    if (hook.is_open() || !o.screenshot_dir.empty()) view = ui::view_json(kiosk.view(), kiosk.focus());
    if (!o.screenshot_dir.empty()) {
      // One picture per distinct view, not per animation frame, taken on its
      // second frame: ImGui lays out some things (scrollbars) a frame late.
      nlohmann::json key = view;
      key.erase("hold");
      key.erase("countdown");
      std::string k = key.dump();
      const bool settled = k == previous_view;
      previous_view = k;
      if (settled && k != last_shot) {
        const auto s0 = std::chrono::steady_clock::now();
        save_screenshot(renderer.get(), o.screenshot_dir, ++shot_no, screen_name(kiosk.view().screen));
        shot_time = std::chrono::steady_clock::now() - s0;
        last_shot = std::move(k);
      }
    }
    SDL_RenderPresent(renderer.get());
    const auto t1 = std::chrono::steady_clock::now();
    const double cpu1 = thread_cpu_ms();
    ++frame_no;
    if (hook.is_open()) {
      using std::chrono::duration;
      view["frame"] = frame_no;
      view["t_ms"] = duration<double, std::milli>(t1 - started).count();
      view["frame_ms"] = duration<double, std::milli>(t1 - t0 - shot_time).count();
      if (shot_time == shot_time.zero()) view["frame_cpu_ms"] = cpu1 - cpu0;
      hook << view.dump() << '\n' << std::flush;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto started = std::chrono::steady_clock::now();
  if (auto s = disable_core_dumps(); !s.ok())
    std::fprintf(stderr, "outpost: warning: %s\n", s.message().c_str());
  // Before any thread exists, so every thread inherits the mask.
  sigset_t set = SignalWatcher::signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  Options o;
  CLI::App app{"outpost: the Outpost kiosk window"};
  app.set_version_flag("--version", "outpost " OUTPOST_VERSION);
  app.add_option("--config", o.config_file, "site config (outpost.toml)");
  app.add_option("--data-dir", o.data_dir, "data directory (overrides the config)");
  app.add_option("--windowed", o.windowed, "a window of WIDTHxHEIGHT instead of full screen (development)");
  app.add_option("--test-hook", o.test_hook,
                 "append one JSON line per drawn frame describing the screen (tests)");
  app.add_option("--screenshot-dir", o.screenshot_dir,
                 "save a BMP of each distinct screen here (tests and demo only: it captures what is typed)");
  app.add_option("--renderer", o.renderer, "SDL render driver: software (default), auto, opengl, ...");
  app.add_option("--font-dir", o.font_dir, "where NotoSans-Regular.ttf and NotoSans-Bold.ttf are");
  CLI11_PARSE(app, argc, argv);
  return run(o, started);
}
