#include "kiosk/terminal_text.h"

#include <string>

#include <doctest/doctest.h>

using outpost::terminal_safe;

TEST_CASE("terminal_safe passes printable ASCII and UTF-8 text unchanged") {
  CHECK(terminal_safe("kiosk-a: rejected 3 (bundles 0)") == "kiosk-a: rejected 3 (bundles 0)");
  CHECK(terminal_safe("Control del ánimo, ¿Se siente decaído? – “ok” 日本 😀") ==
        "Control del ánimo, ¿Se siente decaído? – “ok” 日本 😀");
  CHECK(terminal_safe("") == "");
}

TEST_CASE("terminal_safe shows control characters, escapes and bad UTF-8 as \\xNN") {
  // An ANSI sequence that would clear the screen and an OSC that retitles the window.
  CHECK(terminal_safe("a\x1b[2Jb") == "a\\x1b[2Jb");
  CHECK(terminal_safe("\x1b]0;owned\x07") == "\\x1b]0;owned\\x07");
  CHECK(terminal_safe("line\nnext\ttab\r") == "line\\x0anext\\x09tab\\x0d");
  CHECK(terminal_safe(std::string("nul\0x", 5)) == "nul\\x00x");
  CHECK(terminal_safe("del\x7f") == "del\\x7f");
  CHECK(terminal_safe("back\\slash") == "back\\\\slash");
  // C1 control CSI (U+009B) in UTF-8, and as a raw byte (invalid UTF-8).
  CHECK(terminal_safe(std::string("\xc2\x9b") + "2J") == "\\xc2\\x9b2J");
  CHECK(terminal_safe(std::string("\x9b") + "2J") == "\\x9b2J");
  // Overlong '/', a surrogate, beyond U+10FFFF, truncated sequences.
  CHECK(terminal_safe("\xc0\xaf") == "\\xc0\\xaf");
  CHECK(terminal_safe("\xed\xa0\x80") == "\\xed\\xa0\\x80");
  CHECK(terminal_safe("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");
  CHECK(terminal_safe("\xe2\x82") == "\\xe2\\x82");
  CHECK(terminal_safe(std::string("\xe2\x82") + "A") == "\\xe2\\x82A");
  // Right-to-left override: reorders what the reader sees.
  CHECK(terminal_safe("file\xe2\x80\xaegpj.exe") == "file\\xe2\\x80\\xaegpj.exe");
}
