// RunQueue: the one way work from another thread reaches the UI thread
// (docs/design.md, "Architecture"). Any thread may post(); the owner thread
// (the UI thread in the kiosk) calls drain(), which runs what was posted, in
// the order it was posted, exactly once. The wake hook lets the owner sleep
// in SDL_WaitEvent: ui/kiosk_window_sdl.cpp sets it to push an SDL user event. No SDL
// here: the core stays free of I/O libraries.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

namespace outpost {

class RunQueue {
 public:
  using Work = std::function<void()>;

  // `wake` is called (on the posting thread, after the work is queued) by
  // every post(); it must be thread-safe and must not call back into the
  // queue. May be empty.
  explicit RunQueue(std::function<void()> wake = {}) : wake_(std::move(wake)) {}
  RunQueue(const RunQueue&) = delete;
  RunQueue& operator=(const RunQueue&) = delete;

  // Thread-safe. Work posted from one thread runs in that thread's order.
  void post(Work work);

  // Owner thread only. Runs the work queued when it was called, FIFO, and
  // returns how many ran. Work posted while draining (also by the work
  // itself) waits for the next drain(), so one drain always ends.
  std::size_t drain();

  // Thread-safe; for tests and for choosing a wait timeout.
  bool empty() const;

 private:
  std::function<void()> wake_;
  mutable std::mutex mutex_;
  std::deque<Work> queue_;
};

}  // namespace outpost
