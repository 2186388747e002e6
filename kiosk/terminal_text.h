// Text from outside (a kiosk id in a bundle, a heartbeat's last_error, a file
// name in the drop box) on its way to an operator's terminal: escape
// sequences in it must not reach the terminal, where they could rewrite
// what is shown, retitle the window or worse.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace outpost {

// `text` with every byte a terminal could act on shown instead as \xNN:
// C0 controls (tab and newline included, so a line stays one line), DEL,
// bytes that are not well-formed UTF-8, and the UTF-8 forms of C1 controls
// (U+0080-U+009F) and of bidirectional overrides (U+202A-U+202E,
// U+2066-U+2069), which reorder what the reader sees. A backslash is shown
// as \\ so the result is unambiguous. Printable ASCII and other valid UTF-8
// pass unchanged.
std::string terminal_safe(std::string_view text);

// One line of a terminal progress bar: "[#########...........]  42%  12.3 of 29.0 MiB".
std::string progress_bar(std::uint64_t done, std::uint64_t total, int width = 30);

}  // namespace outpost
