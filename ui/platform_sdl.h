// The SDL2 platform pieces of the kiosk window: RAII guards for SDL and Dear
// ImGui handles, the signal watcher, key mapping and screenshots. Only the UI
// thread calls these, except SignalWatcher's own thread, which only posts an
// SDL event.
#pragma once

#include <signal.h>

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include <SDL.h>

#include "ui/kiosk_ui.h"

namespace outpost::ui {

struct SdlDeleter {
  void operator()(SDL_Window* w) const { SDL_DestroyWindow(w); }
  void operator()(SDL_Renderer* r) const { SDL_DestroyRenderer(r); }
  void operator()(SDL_Surface* s) const { SDL_FreeSurface(s); }
};

// SDL_Init(VIDEO) for its lifetime; `ok` says whether it started.
struct SdlVideo {
  SdlVideo() : ok(SDL_Init(SDL_INIT_VIDEO) == 0) {}
  ~SdlVideo() { SDL_Quit(); }
  SdlVideo(const SdlVideo&) = delete;
  SdlVideo& operator=(const SdlVideo&) = delete;
  bool ok;
};

// A Dear ImGui context, without .ini or log files: nothing of a session is
// left on disk.
struct ImGuiContextGuard {
  ImGuiContextGuard();
  ~ImGuiContextGuard();
  ImGuiContextGuard(const ImGuiContextGuard&) = delete;
  ImGuiContextGuard& operator=(const ImGuiContextGuard&) = delete;
};

// Dear ImGui's SDL2 platform and SDL renderer backends.
struct ImGuiBackends {
  ImGuiBackends(SDL_Window* w, SDL_Renderer* r);
  ~ImGuiBackends();
  ImGuiBackends(const ImGuiBackends&) = delete;
  ImGuiBackends& operator=(const ImGuiBackends&) = delete;
  bool platform, renderer;
};

// SIGINT and SIGTERM, which end the kiosk cleanly. block_quit_signals()
// must run in main before any thread exists, so every thread inherits the
// mask; SignalWatcher then takes them with sigwait() on its own thread and
// posts `event_type`. Create it after SDL_Init and destroy it before SDL_Quit.
void block_quit_signals();
class SignalWatcher {
 public:
  explicit SignalWatcher(Uint32 event_type);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  Uint32 event_type_;
  std::atomic<bool> closing_{false};
  std::thread thread_;
};

// The kiosk's key for an SDL key, with the digit for Key::digit; nullopt for
// a key the kiosk does not use.
std::optional<Key> map_key(const SDL_Keysym& k, int& digit);

// Writes the renderer's current picture to `file` (BMP); call before present.
bool save_screenshot(SDL_Renderer* renderer, const std::filesystem::path& file);

// CPU time of the calling thread: a frame's cost without the wait for a busy core.
double thread_cpu_ms();

}  // namespace outpost::ui
