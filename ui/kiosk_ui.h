// KioskUi: the patient-facing kiosk on top of a Session.
//
// Each frame it builds the View for the session's screen (ui/screens.h),
// draws it (ui/render.h) and turns clicks and keys into session commands.
// Keys: digits choose an answer (or type on the code screen), Enter or
// Space activate the focused control, Backspace or Escape go back, Tab and
// Shift+Tab move the focus. It holds only what the Session does not: the
// digits typed before a code is submitted (wiped when the screen changes),
// the focus and a press-and-hold in progress.
//
// Owned and called by the UI thread only; `session` and `crisis` must
// outlive it.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "kiosk/crisis_resources.h"
#include "kiosk/clock.h"
#include "kiosk/library.h"
#include "kiosk/session.h"
#include "kiosk/webvtt.h"
#include "media/player.h"
#include "ui/fonts.h"
#include "ui/pictures.h"
#include "ui/render.h"
#include "ui/view.h"

namespace outpost::ui {

enum class Key { digit, confirm, back, erase, tab, shift_tab, left, right };

// What the videos need from the program; all optional (no videos without).
struct MediaServices {
  // The installed library now; null when none. Asked on the welcome screen.
  std::function<std::shared_ptr<const Library>()> library;
  // A new player whose wake-ups reach the UI loop (a RunQueue post).
  std::function<std::unique_ptr<Player>()> make_player;
  // Reads and parses a WebVTT file.
  std::function<Result<Captions>(const std::filesystem::path&)> load_captions;
  double volume = 1.0;
};

class KioskUi {
 public:
  KioskUi(Session& session, const Clock& clock, const CrisisResources& crisis, Fonts fonts,
          MediaServices media = {});
  ~KioskUi();
  KioskUi(const KioskUi&) = delete;
  KioskUi& operator=(const KioskUi&) = delete;

  // A key went down (`digit` 0-9 for Key::digit). Auto-repeats are not keys.
  void key_down(Key key, int digit = 0);
  // A key came up; ends a keyboard press-and-hold.
  void key_up(Key key);
  // Pointer or touch activity: keeps the session from going idle.
  void pointer_activity();

  // Runs session timers and the player and draws one frame into the current
  // ImGui frame; `pictures` takes the video frames and draws thumbnails.
  void frame(float width, float height, Pictures* pictures = nullptr);

  // The view drawn by the last frame() and its focus (index among the active
  // elements: the overlay when shown).
  const View& view() const { return view_; }
  std::size_t focus() const { return focus_; }
  // Time until an animation or countdown needs a frame; nullopt when none.
  std::optional<Clock::Duration> next_frame_in() const;
  // True when state changed since the last frame was drawn (a key or a click
  // applied): draw again.
  bool dirty() const { return dirty_; }
  // When the last frame() differs from the one before only in what a playing
  // video changes (the picture, caption, position): the rectangle that holds
  // all of it, or the video's alone while the seek bar is as it was; the rest
  // of the window may keep its pixels. nullopt: draw all.
  const std::optional<ScreenRect>& repaint_rect() const { return repaint_; }

 private:
  void refresh();
  // Takes a copy: the command usually lives in view_, which apply() rebuilds.
  void apply(Command command);
  void activate(std::size_t index);
  const std::vector<Element>& active() const;
  std::string lang() const;
  void wipe_typed_code();
  void update_hold();
  // Videos (ui/kiosk_ui_media.cpp).
  void update_media(Pictures* pictures);
  void close_media(Pictures* pictures);
  void media_command(const Command& c);
  void load_captions(const LibraryItem& item, const std::string& lang);
  const LibraryItem* watched() const;

  Session& session_;
  const Clock& clock_;
  const CrisisResources& crisis_;
  Fonts fonts_;
  View view_;
  std::size_t focus_ = 0;
  bool scroll_to_focus_ = false;
  bool dirty_ = true;
  std::string typed_code_;
  std::optional<Clock::Duration> hold_since_;
  bool hold_by_key_ = false;
  std::optional<std::size_t> pending_click_;
  // Videos.
  MediaServices media_;
  std::shared_ptr<const Library> library_;
  Clock::Duration library_checked_{-1};
  std::unique_ptr<Player> player_;
  std::string player_item_;
  bool player_failed_ = false;
  Captions captions_;
  std::string captions_lang_;  // language captions_ holds; "" none
  MediaView media_view_;
  std::optional<float> seek_drag_;
  // The last frame's view without what a playing video changes, its focus
  // and live rectangle (repaint_rect).
  View still_;
  std::size_t still_focus_ = 0;
  std::string still_bar_;
  std::optional<ScreenRect> live_, repaint_;
};

}  // namespace outpost::ui
