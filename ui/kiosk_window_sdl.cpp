#include "ui/kiosk_window_sdl.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include <SDL.h>
#include <imgui.h>
#include <imgui_impl_sdl.h>
#include <imgui_impl_sdlrenderer.h>
#include <nlohmann/json.hpp>

#include "ui/frame_schedule.h"
#include "ui/pictures_sdl.h"
#include "ui/platform_sdl.h"
#include "ui/render.h"
#include "ui/theme.h"
#include "ui/view_json.h"

namespace outpost::ui {

// In construction order; destroyed in reverse (SDL_Quit last).
struct KioskWindow::Parts {
  WindowOptions options;
  std::vector<unsigned char> regular, bold;  // the atlas points into them
  std::unique_ptr<SdlVideo> video;
  Uint32 signal_event = 0, queue_event = 0;
  std::unique_ptr<SignalWatcher> watcher;
  std::unique_ptr<SDL_Window, SdlDeleter> window;
  std::unique_ptr<SDL_Renderer, SdlDeleter> renderer;
  std::unique_ptr<ImGuiContextGuard> imgui;
  std::unique_ptr<ImGuiBackends> backends;
  Fonts fonts;
  std::unique_ptr<RunQueue> queue;
};

namespace {

Status sdl_error(const std::string& what) { return Status(Errc::io_error, what + ": " + SDL_GetError()); }

// Fills `r` but for the part that `hole` covers.
void fill_around(SDL_Renderer* renderer, const SDL_Rect& r, const SDL_Rect& hole) {
  SDL_Rect h{};
  if (!SDL_IntersectRect(&r, &hole, &h)) {
    SDL_RenderFillRect(renderer, &r);
    return;
  }
  const SDL_Rect parts[4] = {{r.x, r.y, r.w, h.y - r.y},
                             {r.x, h.y + h.h, r.w, r.y + r.h - (h.y + h.h)},
                             {r.x, h.y, h.x - r.x, h.h},
                             {h.x + h.w, h.y, r.x + r.w - (h.x + h.w), h.h}};
  for (const SDL_Rect& p : parts)
    if (p.w > 0 && p.h > 0) SDL_RenderFillRect(renderer, &p);
}

// Limits every draw command of `d` to `r` (ImGui coordinates) and drops
// the triangles wholly outside it, so that the software renderer does not
// even set them up; the backend skips a command whose clip becomes empty.
void clip_draw_data(ImDrawData* d, const ImVec4& r) {
  for (int n = 0; n < d->CmdListsCount; ++n) {
    ImDrawList& list = *d->CmdLists[n];
    for (ImDrawCmd& c : list.CmdBuffer) {
      if (c.UserCallback != nullptr) continue;
      c.ClipRect = ImVec4(std::max(c.ClipRect.x, r.x), std::max(c.ClipRect.y, r.y), std::min(c.ClipRect.z, r.z),
                          std::min(c.ClipRect.w, r.w));
      ImDrawIdx* idx = list.IdxBuffer.Data + c.IdxOffset;
      const ImDrawVert* vtx = list.VtxBuffer.Data + c.VtxOffset;
      unsigned kept = 0;
      for (unsigned t = 0; t + 2 < c.ElemCount; t += 3) {
        const ImVec2 &a = vtx[idx[t]].pos, &b = vtx[idx[t + 1]].pos, &e = vtx[idx[t + 2]].pos;
        if (std::max({a.x, b.x, e.x}) < r.x || std::min({a.x, b.x, e.x}) > r.z || std::max({a.y, b.y, e.y}) < r.y ||
            std::min({a.y, b.y, e.y}) > r.w)
          continue;
        const ImDrawIdx tri[3] = {idx[t], idx[t + 1], idx[t + 2]};
        std::copy(tri, tri + 3, idx + kept);
        kept += 3;
      }
      c.ElemCount = kept;
    }
  }
}

}  // namespace

KioskWindow::KioskWindow(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
KioskWindow::~KioskWindow() = default;
RunQueue& KioskWindow::queue() { return *parts_->queue; }
const Fonts& KioskWindow::fonts() const { return parts_->fonts; }

Result<std::unique_ptr<KioskWindow>> KioskWindow::open(const WindowOptions& options, std::vector<unsigned char> regular,
                                                       std::vector<unsigned char> bold,
                                                       const std::string& font_source) {
  auto p = std::make_unique<Parts>();
  p->options = options;
  p->regular = std::move(regular);
  p->bold = std::move(bold);
  const bool full_screen = options.width == 0;
  SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
  SDL_SetHint(SDL_HINT_RENDER_VSYNC, "0");
  SDL_SetHint(SDL_HINT_VIDEO_MINIMIZE_ON_FOCUS_LOSS, "0");
  SDL_SetHint(SDL_HINT_MOUSE_FOCUS_CLICKTHROUGH, "1");
  SDL_SetHint(SDL_HINT_QUIT_ON_LAST_WINDOW_CLOSE, "0");
  if (full_screen) SDL_SetHint(SDL_HINT_GRAB_KEYBOARD, "1");
  // With the software renderer, present straight to the X server (XShm)
  // rather than through an OpenGL texture, which without a GPU means llvmpipe.
  if (options.renderer == "software") SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
  p->video = std::make_unique<SdlVideo>();
  if (!p->video->ok) return sdl_error("cannot start SDL video");
  p->signal_event = SDL_RegisterEvents(1);
  p->watcher = std::make_unique<SignalWatcher>(p->signal_event);

  Uint32 flags = SDL_WINDOW_BORDERLESS | SDL_WINDOW_ALLOW_HIGHDPI;
  int w = options.width, h = options.height;
  if (full_screen) {
    flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
    w = 1920;
    h = 1080;
  }
  p->window.reset(SDL_CreateWindow("Outpost", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h, flags));
  if (!p->window) return sdl_error("cannot open the window");
  Uint32 rflags = SDL_RENDERER_SOFTWARE;
  if (options.renderer != "software") {
    rflags = SDL_RENDERER_ACCELERATED;
    if (options.renderer != "auto") SDL_SetHint(SDL_HINT_RENDER_DRIVER, options.renderer.c_str());
  }
  p->renderer.reset(SDL_CreateRenderer(p->window.get(), -1, rflags));
  if (!p->renderer) return sdl_error("cannot create the " + options.renderer + " renderer");

  p->imgui = std::make_unique<ImGuiContextGuard>();
  p->backends = std::make_unique<ImGuiBackends>(p->window.get(), p->renderer.get());
  if (!p->backends->renderer) return Status(Errc::io_error, "cannot start the Dear ImGui SDL backends");
  apply_theme();
  auto fonts = load_fonts(p->regular, p->bold, font_source);
  if (!fonts.ok()) return fonts.status();
  p->fonts = *fonts;

  // Work from other threads reaches the UI thread only through the queue;
  // a post wakes SDL_WaitEvent.
  p->queue_event = SDL_RegisterEvents(1);
  p->queue = std::make_unique<RunQueue>([event = p->queue_event] {
    SDL_Event e{};
    e.type = event;
    SDL_PushEvent(&e);
  });
  return std::unique_ptr<KioskWindow>(new KioskWindow(std::move(p)));
}

void KioskWindow::run(KioskUi& kiosk, const Session& session, const Clock& clock) {
  Parts& p = *parts_;
  const WindowOptions& o = p.options;
  SDL_Renderer* renderer = p.renderer.get();
  ImGuiIO& io = ImGui::GetIO();
  const bool shots = !o.screenshot_dir.empty();
  FrameSchedule schedule(shots ? 2 : 1);
  SdlPictures pictures(renderer, o.decode_image);
  long frame_no = 0;
  int shot_no = 0;
  std::string last_shot, previous_view;
  // SDL's software renderer draws into the window surface, which keeps its
  // pixels across presents: a frame that only a playing video changed
  // repaints just KioskUi::repaint_rect (docs/design.md, "Video frames").
  SDL_RendererInfo info{};
  const bool keeps_pixels = SDL_GetRendererInfo(renderer, &info) == 0 && std::strcmp(info.name, "software") == 0;
  bool input_since_frame = true;
  for (;;) {
    // Sleep until an event, or until the session or an animation needs a frame.
    std::optional<Clock::Duration> deadline_in;
    if (auto deadline = session.next_deadline()) deadline_in = *deadline - clock.monotonic();
    const std::optional<int> wait = schedule.wait_ms(kiosk.dirty(), deadline_in, kiosk.next_frame_in());
    SDL_Event e;
    bool got = wait ? SDL_WaitEventTimeout(&e, *wait) != 0 : SDL_WaitEvent(&e) != 0;
    if (!got && wait && *wait > 0) schedule.timer_fired();
    bool quit = false;
    while (got) {
      ImGui_ImplSDL2_ProcessEvent(&e);
      if (e.type == p.signal_event) quit = true;
      if (e.type != p.queue_event) input_since_frame = true;  // hover, expose, resize: ImGui's own state
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
          schedule.key_pressed();
        }
      } else if (e.type != p.queue_event && e.type != p.signal_event) {
        if (e.type == SDL_MOUSEBUTTONDOWN || e.type == SDL_MOUSEWHEEL || e.type == SDL_FINGERDOWN ||
            (e.type == SDL_MOUSEMOTION && e.motion.state != 0))
          kiosk.pointer_activity();
        schedule.pointer_input();
      }
      got = SDL_PollEvent(&e) != 0;
    }
    if (quit) return;
    if (p.queue->drain() > 0) schedule.work_ran();
    if (!schedule.take_frame(kiosk.dirty())) continue;

    const auto t0 = std::chrono::steady_clock::now();
    const double cpu0 = thread_cpu_ms();
    ImGui_ImplSDLRenderer_NewFrame();
    ImGui_ImplSDL2_NewFrame();
    ImGui::NewFrame();
    kiosk.frame(io.DisplaySize.x, io.DisplaySize.y, &pictures);
    ImGui::Render();
    const Rgb bg = background_colour(kiosk.view());
    SDL_SetRenderDrawColor(renderer, bg.r, bg.g, bg.b, 255);
    const std::optional<ScreenRect>& live = kiosk.repaint_rect();
    if (keeps_pixels && live && !input_since_frame) {
      // Whole pixels around the rectangle, in ImGui's and in the renderer's units.
      const ImVec4 area(std::floor(live->x0), std::floor(live->y0), std::ceil(live->x1), std::ceil(live->y1));
      const ImVec2 scale = ImGui::GetDrawData()->FramebufferScale;
      const SDL_Rect r{static_cast<int>(area.x * scale.x), static_cast<int>(area.y * scale.y),
                       static_cast<int>((area.z - area.x) * scale.x), static_cast<int>((area.w - area.y) * scale.y)};
      fill_around(renderer, r, pictures.video_rect());  // the picture is copied opaque over its own rect
      clip_draw_data(ImGui::GetDrawData(), area);
    } else {
      SDL_RenderClear(renderer);
    }
    input_since_frame = false;
    ImGui_ImplSDLRenderer_RenderDrawData(ImGui::GetDrawData());
    auto shot_time = std::chrono::steady_clock::duration::zero();
    nlohmann::json view;
    if (o.test_hook || shots) view = view_json(kiosk.view(), kiosk.focus());
    if (shots) {
      // One picture per distinct view, not per animation frame, taken on its
      // second frame: ImGui lays out some things (scrollbars) a frame late.
      nlohmann::json key = view;
      key.erase("hold");
      key.erase("countdown");
      // A playing video: one picture per state and caption, not per frame.
      if (key.contains("media")) key["media"] = {key["media"]["state"], key["media"]["caption"]};
      if (key.contains("controls"))
        for (auto& c : key["controls"])
          if (c.value("role", "") == "seek_bar") c.erase("label");
      std::string k = key.dump();
      const bool settled = k == previous_view;
      previous_view = k;
      if (settled && k != last_shot) {
        const auto s0 = std::chrono::steady_clock::now();
        char name[16];
        std::snprintf(name, sizeof name, "%03d-", ++shot_no);
        const auto file = o.screenshot_dir / (name + std::string(screen_name(kiosk.view().screen)) + ".bmp");
        if (!save_screenshot(renderer, file)) std::fprintf(stderr, "outpost: cannot write %s\n", file.c_str());
        shot_time = std::chrono::steady_clock::now() - s0;
        last_shot = std::move(k);
      }
    }
    SDL_RenderPresent(renderer);
    const auto t1 = std::chrono::steady_clock::now();
    const double cpu1 = thread_cpu_ms();
    ++frame_no;
    if (o.test_hook) {
      using std::chrono::duration;
      view["frame"] = frame_no;
      view["t_ms"] = duration<double, std::milli>(t1 - o.started).count();
      view["frame_ms"] = duration<double, std::milli>(t1 - t0 - shot_time).count();
      if (shot_time == shot_time.zero()) view["frame_cpu_ms"] = cpu1 - cpu0;
      *o.test_hook << view.dump() << '\n' << std::flush;
    }
  }
}

}  // namespace outpost::ui
