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

std::optional<std::int64_t> parse_utc(std::string_view t) {
  constexpr std::string_view shape = "dddd-dd-ddTdd:dd:ddZ";
  if (t.size() != shape.size()) return std::nullopt;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (shape[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != shape[i]) return std::nullopt;
  }
  auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (t[i] - '0');
    return v;
  };
  const int y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), s = num(17, 2);
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  constexpr int days_in[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > days_in[mo - 1] + (mo == 2 && leap ? 1 : 0) || h > 23 || mi > 59 || s > 59)
    return std::nullopt;
  // Days from civil (H. Hinnant's algorithm), proleptic Gregorian.
  const int yy = mo <= 2 ? y - 1 : y;
  const int era = (yy >= 0 ? yy : yy - 399) / 400;
  const int yoe = yy - era * 400;
  const int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const std::int64_t days = static_cast<std::int64_t>(era) * 146097 + doe - 719468;
  return ((days * 24 + h) * 60 + mi) * 60'000 + static_cast<std::int64_t>(s) * 1000;
}

}  // namespace outpost
