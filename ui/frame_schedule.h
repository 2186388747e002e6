// FrameSchedule: when the kiosk window draws (docs/design.md, "Kiosk UI").
// The window draws only when input, a timer, work from another thread or an
// animation needs a frame, and otherwise blocks in SDL_WaitEvent. After a key
// or a timer it draws `settle_frames` frames: 1 shows the new state, 2 when
// screenshots are taken (on a view's second frame). A pointer event always
// gets 2, as Dear ImGui sees a click over two frames. No SDL here: the loop
// in kiosk_window_sdl.cpp reports what happened and asks what to do.
//
// Owned and called by the UI thread.
#pragma once

#include <optional>

#include "kiosk/clock.h"

namespace outpost::ui {

class FrameSchedule {
 public:
  explicit FrameSchedule(int settle_frames) : settle_(settle_frames) {}

  // How long the loop may wait for an event, in ms: nullopt for as long as it
  // takes, 0 not at all. `dirty`: the UI wants a frame; `deadline_in`: time
  // to the session's next deadline; `animation_in`: to an animation's next
  // frame. A deadline already due waits 1 ms rather than spinning; a far
  // one at most 60 s.
  std::optional<int> wait_ms(bool dirty, std::optional<Clock::Duration> deadline_in,
                             std::optional<Clock::Duration> animation_in) const;

  void timer_fired() { due(settle_); }  // a wait of more than 0 ms ended with no event
  void key_pressed() { due(settle_); }  // a key went down (not an auto-repeat)
  void pointer_input() { due(2); }      // mouse, touch, window events
  void work_ran() { due(settle_); }     // the run queue ran something

  // Whether to draw a frame now; takes one of the frames due.
  bool take_frame(bool dirty);

  int frames_due() const { return due_; }

 private:
  void due(int n) { due_ = due_ > n ? due_ : n; }

  int settle_;
  int due_ = 2;  // the first frame, and one to settle
};

}  // namespace outpost::ui
