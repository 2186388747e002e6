#include "kiosk/utc_time.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>

using namespace outpost;

TEST_CASE("format_utc: known instants, worked out by hand") {
  CHECK(format_utc(0) == "1970-01-01T00:00:00Z");
  // 2026-01-01: 56 years after 1970 with 14 leap days, 20454 days of 86400 s.
  CHECK(format_utc(1767225600000) == "2026-01-01T00:00:00Z");
  CHECK(format_utc(1767225660000) == "2026-01-01T00:01:00Z");  // design.md's example bundle
  CHECK(format_utc(1767225660999) == "2026-01-01T00:01:00Z");  // to the second, rounded down
  // 2000-02-29: 10957 days to 2000-01-01, then 31 + 28.
  CHECK(format_utc(951782400000) == "2000-02-29T00:00:00Z");
}

TEST_CASE("format_utc: before 1970 rounds down, never towards zero") {
  CHECK(format_utc(-1) == "1969-12-31T23:59:59Z");
  CHECK(format_utc(-1000) == "1969-12-31T23:59:59Z");
  CHECK(format_utc(-1001) == "1969-12-31T23:59:58Z");
  CHECK(format_utc(-86400000) == "1969-12-31T00:00:00Z");
}

TEST_CASE("format_utc: far-future and extreme clocks are shown, not wrapped") {
  CHECK(format_utc(253402300799000) == "9999-12-31T23:59:59Z");
  CHECK(format_utc(253402300800000) == "10000-01-01T00:00:00Z");
  CHECK(format_utc(10413792000000) == "2300-01-01T00:00:00Z");  // past 2262, where int64 nanoseconds end
  // The int64 ends, as Java's Instant.ofEpochMilli gives them (proleptic Gregorian).
  CHECK(format_utc(std::numeric_limits<std::int64_t>::max()) == "292278994-08-17T07:12:55Z");
  CHECK(format_utc(std::numeric_limits<std::int64_t>::min()) == "-292275055-05-16T16:47:04Z");
}

TEST_CASE("parse_utc: the instants format_utc writes, and nothing that is not a real time") {
  CHECK(parse_utc("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_utc("2026-12-08T17:00:00Z") == 1'796'749'200'000);  // date -u -d 2026-12-08T17:00:00Z +%s
  CHECK(parse_utc("2024-02-29T23:59:59Z") == 1'709'251'199'000);
  CHECK(parse_utc("1969-12-31T23:59:59Z") == -1000);
  for (std::int64_t ms : {0LL, 1'700'000'000'000LL, -86'400'000LL, 253'402'300'799'000LL})
    CHECK(parse_utc(format_utc(ms)) == ms);
  for (const char* bad : {"2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-12-08T24:00:00Z",
                          "2026-12-08T17:60:00Z", "2026-12-08 17:00:00Z", "2026-12-08T17:00:00", "", "+2026-12-08T17:00:00Z"})
    CHECK_MESSAGE(!parse_utc(bad), bad);
}
