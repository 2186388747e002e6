#include "kiosk/terminal_text.h"

#include <cstdint>

namespace outpost {

namespace {

void hex_escape(std::string& out, std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : bytes) {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
}

// Length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, no
// surrogates, at most U+10FFFF) of 2-4 bytes at the start of `s`, and its
// code point; 0 when there is none.
std::size_t utf8_sequence(std::string_view s, std::uint32_t& cp) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c >= 0xC2 && c <= 0xDF && cont(1)) {
    cp = (c & 0x1Fu) << 6 | (b(1) & 0x3Fu);
    return 2;
  }
  if (c >= 0xE0 && c <= 0xEF && cont(1) && cont(2)) {
    cp = (c & 0x0Fu) << 12 | (b(1) & 0x3Fu) << 6 | (b(2) & 0x3Fu);
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4 && cont(1) && cont(2) && cont(3)) {
    cp = (c & 0x07u) << 18 | (b(1) & 0x3Fu) << 12 | (b(2) & 0x3Fu) << 6 | (b(3) & 0x3Fu);
    if (cp < 0x10000 || cp > 0x10FFFF) return 0;
    return 4;
  }
  return 0;
}

bool shown_escaped(std::uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

}  // namespace

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      out += "\\\\";
      ++i;
    } else if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x80) {
      hex_escape(out, text.substr(i, 1));  // C0 control or DEL
      ++i;
    } else {
      std::uint32_t cp = 0;
      const std::size_t n = utf8_sequence(text.substr(i), cp);
      if (n == 0) {
        hex_escape(out, text.substr(i, 1));  // not UTF-8: one byte at a time
        ++i;
      } else {
        if (shown_escaped(cp)) {
          hex_escape(out, text.substr(i, n));
        } else {
          out.append(text.substr(i, n));
        }
        i += n;
      }
    }
  }
  return out;
}

std::string progress_bar(std::uint64_t done, std::uint64_t total, int width) {
  if (done > total) done = total;
  const int filled = total == 0 ? width : static_cast<int>(done * static_cast<std::uint64_t>(width) / total);
  const unsigned pct = total == 0 ? 100 : static_cast<unsigned>(done * 100 / total);
  auto mib = [](std::uint64_t b) {
    const std::uint64_t tenths = b * 10 / (1024 * 1024);
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
  };
  std::string out = "[";
  out.append(static_cast<std::size_t>(filled), '#').append(static_cast<std::size_t>(width - filled), '.');
  out.append("] ").append(pct < 10 ? "  " : pct < 100 ? " " : "").append(std::to_string(pct)).append("%  ");
  out.append(mib(done)).append(" of ").append(mib(total)).append(" MiB");
  return out;
}

}  // namespace outpost
