#include "kiosk/time_window.h"

#include <string>

namespace outpost {

bool TimeWindow::contains(int m) const {
  if (start_min == end_min) return true;
  if (start_min < end_min) return m >= start_min && m < end_min;
  return m >= start_min || m < end_min;
}

Result<TimeWindow> parse_time_window(std::string_view text, std::string_view what) {
  auto bad = [&] {
    return Status(Errc::invalid_config,
                  std::string(what) + ": \"" + std::string(text) + "\" is not a window like \"22:00-06:00\"");
  };
  if (text.size() != 11 || text[2] != ':' || text[5] != '-' || text[8] != ':') return bad();
  auto two = [&](std::size_t at, int max) -> int {
    if (text[at] < '0' || text[at] > '9' || text[at + 1] < '0' || text[at + 1] > '9') return -1;
    int v = (text[at] - '0') * 10 + (text[at + 1] - '0');
    return v <= max ? v : -1;
  };
  const int h1 = two(0, 24), m1 = two(3, 59), h2 = two(6, 24), m2 = two(9, 59);
  if (h1 < 0 || m1 < 0 || h2 < 0 || m2 < 0) return bad();
  TimeWindow w{h1 * 60 + m1, h2 * 60 + m2};
  if (w.start_min > 24 * 60 || w.end_min > 24 * 60) return bad();
  return w;
}

bool in_windows(const std::vector<TimeWindow>& windows, int minute_of_day) {
  if (windows.empty()) return true;
  for (const auto& w : windows) {
    if (w.contains(minute_of_day)) return true;
  }
  return false;
}

int local_minute_of_day(std::int64_t wall_ms, std::int32_t offset_s) {
  constexpr std::int64_t kDayMs = 24 * 60 * 60 * 1000;
  std::int64_t ms = (wall_ms + std::int64_t{offset_s} * 1000) % kDayMs;
  if (ms < 0) ms += kDayMs;
  return static_cast<int>(ms / 60'000);
}

}  // namespace outpost
