// Clock: the only way core code learns the time, so tests never sleep.
//
// monotonic() drives timeouts (idle wipe, backoff); wall_ms() stamps records
// and may be wrong or jump (docs/design.md, "Records": created and mono). FakeClock is advanced by
// hand in tests. Implementations must be safe to call from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>

namespace outpost {

class Clock {
 public:
  using Duration = std::chrono::milliseconds;
  virtual ~Clock() = default;
  // Milliseconds since an arbitrary fixed point; never goes backwards.
  virtual Duration monotonic() const = 0;
  // Milliseconds since the Unix epoch, as the machine believes it.
  virtual std::int64_t wall_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  Duration monotonic() const override {
    return std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch());
  }
  // From clock_gettime, not std::chrono::system_clock: that one counts int64
  // nanoseconds and wraps past 2262, and a kiosk clock may be that wrong.
  std::int64_t wall_ms() const override {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t wall_ms = 1'767'225'600'000 /* 2026-01-01T00:00:00Z */)
      : wall_(wall_ms) {}
  Duration monotonic() const override { return Duration(mono_.load()); }
  std::int64_t wall_ms() const override { return wall_.load(); }
  void advance(Duration d) {
    mono_ += d.count();
    wall_ += d.count();
  }
  void set_wall_ms(std::int64_t ms) { wall_ = ms; }

 private:
  std::atomic<std::int64_t> mono_{0};
  std::atomic<std::int64_t> wall_;
};

}  // namespace outpost
