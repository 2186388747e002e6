// Clock: the only way core code learns the time, so tests never sleep.
//
// monotonic() drives timeouts (idle wipe, backoff); wall_ms() stamps records
// and may be wrong or jump (docs/design.md, "Records": created and mono);
// local_offset_s() turns wall time into the kiosk's local time (sync's bulk
// windows). FakeClock is advanced and its zone set by hand in tests.
// Implementations must be safe to call from any thread.
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
  // Seconds east of UTC of the kiosk's local time at wall time `wall_ms`
  // (-18000 for UTC-05:00); it changes with daylight saving time.
  virtual std::int32_t local_offset_s(std::int64_t wall_ms) const = 0;
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
  // The zone the OS gives the process (/etc/localtime, or TZ), through
  // localtime_r: GCC 12's libstdc++ has no std::chrono time zone database.
  // tzset() first, as localtime_r alone may keep the zone the process
  // started with: a zone changed on a running kiosk applies at once.
  std::int32_t local_offset_s(std::int64_t wall_ms) const override {
    ::tzset();
    const auto t = static_cast<std::time_t>(wall_ms / 1000);
    std::tm tm{};
    if (::localtime_r(&t, &tm) == nullptr) return 0;
    return static_cast<std::int32_t>(tm.tm_gmtoff);
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
  // UTC (0) until set; set it again to model a daylight saving change.
  std::int32_t local_offset_s(std::int64_t) const override { return offset_s_.load(); }
  void set_local_offset_s(std::int32_t s) { offset_s_ = s; }

 private:
  std::atomic<std::int64_t> mono_{0};
  std::atomic<std::int64_t> wall_;
  std::atomic<std::int32_t> offset_s_{0};
};

}  // namespace outpost
