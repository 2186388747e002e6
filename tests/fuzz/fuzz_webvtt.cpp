// Feeds arbitrary bytes to parse_webvtt and cue_at. Nothing may crash; an
// accepted file must be sorted with end >= start.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kiosk/webvtt.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto caps = outpost::parse_webvtt(text, "fuzz.vtt");
  if (!caps.ok()) return 0;
  for (std::size_t i = 0; i < caps->size(); ++i) {
    const auto& c = (*caps)[i];
    if (c.end_ms < c.start_ms) __builtin_trap();
    if (i > 0 && (*caps)[i - 1].start_ms > c.start_ms) __builtin_trap();
    (void)outpost::cue_at(*caps, c.start_ms);
  }
  return 0;
}
