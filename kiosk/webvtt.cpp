#include "kiosk/webvtt.h"

#include <algorithm>
#include <cstdint>

namespace outpost {
namespace {

// Splits on LF, CRLF or CR (the WebVTT line terminators).
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || text[i] == '\r') {
      lines.push_back(text.substr(start, i - start));
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

bool digits(std::string_view s, std::size_t n, std::int64_t& out) {
  if (s.size() != n) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

// "hh:mm:ss.ttt" (hours 2+ digits) or "mm:ss.ttt".
bool parse_time(std::string_view s, std::int64_t& ms) {
  auto dot = s.rfind('.');
  if (dot == std::string_view::npos) return false;
  std::int64_t frac = 0;
  if (!digits(s.substr(dot + 1), 3, frac)) return false;
  std::string_view hms = s.substr(0, dot);
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= hms.size(); ++i) {
    if (i == hms.size() || hms[i] == ':') {
      parts.push_back(hms.substr(start, i - start));
      start = i + 1;
    }
  }
  std::int64_t h = 0, m = 0, sec = 0;
  if (parts.size() == 3) {
    if (parts[0].size() < 2 || parts[0].size() > 6 || !digits(parts[0], parts[0].size(), h)) return false;
    if (!digits(parts[1], 2, m) || !digits(parts[2], 2, sec)) return false;
  } else if (parts.size() == 2) {
    if (!digits(parts[0], 2, m) || !digits(parts[1], 2, sec)) return false;
  } else {
    return false;
  }
  if (m >= 60 || sec >= 60) return false;
  ms = ((h * 60 + m) * 60 + sec) * 1000 + frac;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes one entity starting at text[i] == '&'; returns false (text kept
// as is) when it is not one we know.
bool decode_entity(std::string_view text, std::size_t& i, std::string& out) {
  auto semi = text.find(';', i);
  if (semi == std::string_view::npos || semi - i > 12) return false;
  std::string_view name = text.substr(i + 1, semi - i - 1);
  struct Named { std::string_view name; std::uint32_t cp; };
  static constexpr Named kNamed[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"nbsp", 0xA0},
                                     {"lrm", 0x200E}, {"rlm", 0x200F}, {"quot", '"'}, {"apos", '\''}};
  for (const auto& n : kNamed) {
    if (name == n.name) {
      append_utf8(out, n.cp);
      i = semi;
      return true;
    }
  }
  if (name.size() >= 2 && name[0] == '#') {
    std::uint32_t cp = 0;
    bool hex = name[1] == 'x' || name[1] == 'X';
    std::string_view num = name.substr(hex ? 2 : 1);
    if (num.empty()) return false;
    for (char c : num) {
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else return false;
      cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
      if (cp > 0x10FFFF) cp = 0x110000;  // clamp: replaced below
    }
    append_utf8(out, cp);
    i = semi;
    return true;
  }
  return false;
}

// Strips <...> tags (voice, class, i, b, u, ruby, timestamps) and decodes
// entities.
std::string clean_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '<') {
      auto close = text.find('>', i);
      if (close == std::string_view::npos) break;  // an unclosed tag hides the rest
      i = close;
    } else if (c == '&') {
      if (!decode_entity(text, i, out)) out += '&';
    } else {
      out += c;
    }
  }
  return out;
}

Status bad(std::string_view source, std::size_t line, std::string_view what) {
  return Status(Errc::invalid_argument,
                std::string(source) + ":" + std::to_string(line) + ": " + std::string(what));
}

}  // namespace

Result<Captions> parse_webvtt(std::string_view text, std::string_view source) {
  if (text.size() > kMaxWebvttBytes) {
    return bad(source, 0, "captions file is larger than 1 MiB");
  }
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  auto lines = split_lines(text);
  if (lines.empty() || lines[0].substr(0, 6) != "WEBVTT" ||
      (lines[0].size() > 6 && lines[0][6] != ' ' && lines[0][6] != '\t')) {
    return bad(source, 1, "not a WebVTT file (the first line must be 'WEBVTT')");
  }
  Captions cues;
  std::size_t i = 1;
  // Header lines until the first blank line.
  while (i < lines.size() && !lines[i].empty()) ++i;
  while (i < lines.size()) {
    if (lines[i].empty()) { ++i; continue; }
    std::size_t block_start = i;
    std::string_view first = lines[i];
    if (first == "NOTE" || first.starts_with("NOTE ") || first.starts_with("NOTE\t") ||
        first == "STYLE" || first == "REGION") {
      while (i < lines.size() && !lines[i].empty()) ++i;
      continue;
    }
    // An optional cue identifier, then the timing line.
    std::size_t timing = block_start;
    if (first.find("-->") == std::string_view::npos) {
      timing = block_start + 1;
      if (timing >= lines.size() || lines[timing].empty()) {
        return bad(source, block_start + 1, "text with no cue time before it");
      }
    }
    std::string_view tl = lines[timing];
    auto arrow = tl.find("-->");
    if (arrow == std::string_view::npos) {
      return bad(source, timing + 1, "bad cue time '" + std::string(tl.substr(0, 80)) + "'");
    }
    std::string_view start_s = trim(tl.substr(0, arrow));
    std::string_view rest = trim(tl.substr(arrow + 3));
    auto space = rest.find_first_of(" \t");
    std::string_view end_s = space == std::string_view::npos ? rest : rest.substr(0, space);  // then settings
    Cue cue;
    if (!parse_time(start_s, cue.start_ms) || !parse_time(end_s, cue.end_ms) || cue.end_ms < cue.start_ms) {
      return bad(source, timing + 1, "bad cue time '" + std::string(tl.substr(0, 80)) + "'");
    }
    i = timing + 1;
    std::string payload;
    while (i < lines.size() && !lines[i].empty()) {
      if (!payload.empty()) payload += '\n';
      payload += lines[i];
      ++i;
    }
    cue.text = clean_text(payload);
    if (cues.size() >= kMaxWebvttCues) {
      return bad(source, timing + 1, "more than " + std::to_string(kMaxWebvttCues) + " cues");
    }
    cues.push_back(std::move(cue));
  }
  std::stable_sort(cues.begin(), cues.end(), [](const Cue& a, const Cue& b) { return a.start_ms < b.start_ms; });
  return cues;
}

const Cue* cue_at(const Captions& captions, std::int64_t ms) {
  // First cue starting after ms; walk back to the latest one still showing.
  auto it = std::upper_bound(captions.begin(), captions.end(), ms,
                             [](std::int64_t t, const Cue& c) { return t < c.start_ms; });
  const Cue* found = nullptr;
  std::int64_t latest_start = -1;
  for (auto b = captions.begin(); b != it; ++b) {
    if (ms < b->end_ms && b->start_ms >= latest_start) {
      found = &*b;
      latest_start = b->start_ms;
    }
  }
  return found;
}

}  // namespace outpost
