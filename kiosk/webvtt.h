// WebVTT captions, parsed by the kiosk itself (GStreamer's subparse passes
// <v>/<c> tags through and double-escapes &amp;: docs/design.md, "Media").
// Pure: no I/O. The caller reads the file (checked) and passes its text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/result.h"

namespace outpost {

struct Cue {
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  std::string text;  // tags stripped, entities decoded, lines joined with '\n'
};

using Captions = std::vector<Cue>;  // sorted by start_ms

inline constexpr std::size_t kMaxWebvttBytes = 1 << 20;
inline constexpr std::size_t kMaxWebvttCues = 10000;

// Strict: the file must start with "WEBVTT" (after an optional UTF-8 BOM);
// a broken timing line is an error "SOURCE:LINE: bad cue time '...'".
// NOTE, STYLE and REGION blocks and cue settings are skipped. `source` names
// the file in messages.
Result<Captions> parse_webvtt(std::string_view text, std::string_view source);

// The cue showing at `ms` (start <= ms < end), or nullptr. When cues overlap,
// the one that started last. The pointer lives as long as `captions`.
const Cue* cue_at(const Captions& captions, std::int64_t ms);

}  // namespace outpost
