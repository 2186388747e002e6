#include "kiosk/utc_time.h"

#include <cstdio>
#include <ctime>

namespace outpost {

std::string format_utc(std::int64_t wall_ms) {
  const std::int64_t s = wall_ms / 1000 - (wall_ms % 1000 < 0 ? 1 : 0);  // floor
  const auto t = static_cast<std::time_t>(s);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return "(time out of range)";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02dZ", static_cast<long long>(tm.tm_year) + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

}  // namespace outpost
