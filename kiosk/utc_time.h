// UTC timestamps as people and FHIR read them: "2026-01-01T00:01:00Z".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace outpost {

// `wall_ms` (ms since the Unix epoch, signed) as ISO 8601 UTC to the second,
// rounded down: -1 is "1969-12-31T23:59:59Z". Every int64 value is shown,
// never refused (design.md, "Bundles": a kiosk clock before 1970 or past 2262
// is carried); a year outside 0000-9999 is written with its sign and all its
// digits ("10000-01-01T00:00:00Z").
std::string format_utc(std::int64_t wall_ms);

// "YYYY-MM-DDTHH:MM:SSZ" (years 0000-9999, a real date and time) as ms
// since the Unix epoch; nullopt for anything else.
std::optional<std::int64_t> parse_utc(std::string_view text);

}  // namespace outpost
