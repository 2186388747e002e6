// Daily time windows, as in [sync].bulk_windows ("22:00-06:00").
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "kiosk/result.h"

namespace outpost {

// A daily window in local time, minutes after midnight; end < start wraps
// past midnight ("22:00-06:00"); start == end is the whole day.
struct TimeWindow {
  int start_min = 0;
  int end_min = 24 * 60;
  bool contains(int minute_of_day) const;
  bool operator==(const TimeWindow&) const = default;
};
// Parses "HH:MM-HH:MM"; Errc::invalid_config naming `what` on error.
Result<TimeWindow> parse_time_window(std::string_view text, std::string_view what);
// True when `windows` is empty (no restriction) or one contains the minute.
bool in_windows(const std::vector<TimeWindow>& windows, int minute_of_day);
// Minutes after local midnight (0-1439) at wall time `wall_ms`, in a zone
// `offset_s` seconds east of UTC (Clock::local_offset_s).
int local_minute_of_day(std::int64_t wall_ms, std::int32_t offset_s);

}  // namespace outpost
