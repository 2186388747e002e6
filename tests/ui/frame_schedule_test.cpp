// FrameSchedule: the kiosk window's decisions about when to draw and how
// long to sleep, without SDL.
#include "ui/frame_schedule.h"

#include <doctest/doctest.h>

using outpost::Clock;
using outpost::ui::FrameSchedule;

namespace {

int frames_drawn(FrameSchedule& s) {
  int n = 0;
  while (s.take_frame(false)) ++n;
  return n;
}

}  // namespace

TEST_CASE("the window draws two frames at start, then sleeps until something happens") {
  FrameSchedule s(1);
  CHECK(s.wait_ms(false, std::nullopt, std::nullopt) == 0);
  CHECK(frames_drawn(s) == 2);
  CHECK(s.wait_ms(false, std::nullopt, std::nullopt) == std::nullopt);  // SDL_WaitEvent with no timeout
  CHECK_FALSE(s.take_frame(false));
  CHECK(s.take_frame(true));  // the UI asked for one
  CHECK(s.wait_ms(true, std::nullopt, std::nullopt) == 0);
}

TEST_CASE("a key draws one frame (two when screenshots are taken) and a click always two") {
  FrameSchedule plain(1);
  frames_drawn(plain);
  plain.key_pressed();
  CHECK(frames_drawn(plain) == 1);
  plain.pointer_input();
  CHECK(frames_drawn(plain) == 2);
  plain.work_ran();
  CHECK(frames_drawn(plain) == 1);
  plain.timer_fired();
  CHECK(frames_drawn(plain) == 1);

  FrameSchedule shots(2);
  frames_drawn(shots);
  shots.key_pressed();
  shots.key_pressed();  // frames due do not add up
  CHECK(frames_drawn(shots) == 2);
}

TEST_CASE("the sleep ends at the nearer of the session's deadline and the next animation frame") {
  FrameSchedule s(1);
  frames_drawn(s);
  using Ms = Clock::Duration;
  CHECK(s.wait_ms(false, Ms{5000}, std::nullopt) == 5000);
  CHECK(s.wait_ms(false, std::nullopt, Ms{16}) == 16);
  CHECK(s.wait_ms(false, Ms{5000}, Ms{16}) == 16);
  CHECK(s.wait_ms(false, Ms{7}, Ms{16}) == 7);
  // A deadline already past waits 1 ms, not 0: no busy loop while it is handled.
  CHECK(s.wait_ms(false, Ms{0}, std::nullopt) == 1);
  CHECK(s.wait_ms(false, Ms{-300}, std::nullopt) == 1);
  // Far deadlines are looked at again within a minute.
  CHECK(s.wait_ms(false, Ms{3'600'000}, std::nullopt) == 60'000);
}
