#include "ui/frame_schedule.h"

#include <algorithm>

namespace outpost::ui {

std::optional<int> FrameSchedule::wait_ms(bool dirty, std::optional<Clock::Duration> deadline_in,
                                          std::optional<Clock::Duration> animation_in) const {
  if (due_ > 0 || dirty) return 0;
  std::optional<int> wait;
  for (const auto& in : {deadline_in, animation_in}) {
    if (!in) continue;
    const int ms = static_cast<int>(std::clamp<long long>(in->count(), 1, 60'000));
    wait = wait ? std::min(*wait, ms) : ms;
  }
  return wait;
}

bool FrameSchedule::take_frame(bool dirty) {
  if (due_ > 0) {
    --due_;
    return true;
  }
  return dirty;
}

}  // namespace outpost::ui
