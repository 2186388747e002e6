#include "ui/platform_sdl.h"

#include <time.h>

#include <memory>

#include <imgui.h>
#include <imgui_impl_sdl.h>
#include <imgui_impl_sdlrenderer.h>

namespace outpost::ui {

namespace {

sigset_t quit_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

ImGuiContextGuard::ImGuiContextGuard() {
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.LogFilename = nullptr;
}
ImGuiContextGuard::~ImGuiContextGuard() { ImGui::DestroyContext(); }

ImGuiBackends::ImGuiBackends(SDL_Window* w, SDL_Renderer* r)
    : platform(ImGui_ImplSDL2_InitForSDLRenderer(w)), renderer(platform && ImGui_ImplSDLRenderer_Init(r)) {}
ImGuiBackends::~ImGuiBackends() {
  if (renderer) ImGui_ImplSDLRenderer_Shutdown();
  if (platform) ImGui_ImplSDL2_Shutdown();
}

void block_quit_signals() {
  sigset_t set = quit_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalWatcher::SignalWatcher(Uint32 event_type) : event_type_(event_type) {
  thread_ = std::thread([this] {
    sigset_t set = quit_signals();
    int sig = 0;
    sigwait(&set, &sig);
    if (closing_) return;
    SDL_Event e{};
    e.type = event_type_;
    e.user.code = sig;
    SDL_PushEvent(&e);  // thread-safe; wakes SDL_WaitEvent
  });
}

SignalWatcher::~SignalWatcher() {
  closing_ = true;
  pthread_kill(thread_.native_handle(), SIGTERM);  // wakes sigwait if no signal came
  thread_.join();
}

std::optional<Key> map_key(const SDL_Keysym& k, int& digit) {
  const SDL_Keycode c = k.sym;
  if (c >= SDLK_0 && c <= SDLK_9) {
    digit = c - SDLK_0;
    return Key::digit;
  }
  if (c >= SDLK_KP_1 && c <= SDLK_KP_9) {
    digit = c - SDLK_KP_1 + 1;
    return Key::digit;
  }
  switch (c) {
    case SDLK_KP_0:
      digit = 0;
      return Key::digit;
    case SDLK_RETURN:
    case SDLK_KP_ENTER:
    case SDLK_SPACE:
      return Key::confirm;
    case SDLK_BACKSPACE:
      return Key::erase;
    case SDLK_ESCAPE:
      return Key::back;
    case SDLK_TAB:
      return (k.mod & KMOD_SHIFT) ? Key::shift_tab : Key::tab;
    case SDLK_LEFT:
      return Key::left;
    case SDLK_RIGHT:
      return Key::right;
    default:
      return std::nullopt;
  }
}

bool save_screenshot(SDL_Renderer* renderer, const std::filesystem::path& file) {
  int w = 0, h = 0;
  if (SDL_GetRendererOutputSize(renderer, &w, &h) != 0) return false;
  std::unique_ptr<SDL_Surface, SdlDeleter> s(SDL_CreateRGBSurfaceWithFormat(0, w, h, 24, SDL_PIXELFORMAT_RGB24));
  if (!s) return false;
  if (SDL_RenderReadPixels(renderer, nullptr, SDL_PIXELFORMAT_RGB24, s->pixels, s->pitch) != 0) return false;
  return SDL_SaveBMP(s.get(), file.c_str()) == 0;
}

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

}  // namespace outpost::ui
