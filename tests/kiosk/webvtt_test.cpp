#include "kiosk/webvtt.h"

#include <doctest/doctest.h>

#include <string>

using outpost::parse_webvtt;

TEST_CASE("webvtt: cues, tags, entities, settings, CRLF, BOM") {
  std::string text =
      "\xEF\xBB\xBFWEBVTT - demo\r\n\r\n"
      "NOTE a comment\r\nover two lines\r\n\r\n"
      "STYLE\r\n::cue { color: red }\r\n\r\n"
      "intro\r\n00:00:01.000 --> 00:00:03.500 align:start line:0\r\n"
      "<v Ana>Breathe <i>slowly</i></v> &amp; calmly\r\nsecond &lt;line&gt;&nbsp;&#65;&#x42;\r\n\r\n"
      "00:00.500 --> 00:01.000\r\n<c.yellow>first</c>\r\n";
  auto caps = parse_webvtt(text, "captions.en.vtt");
  REQUIRE(caps.ok());
  REQUIRE(caps->size() == 2);
  CHECK((*caps)[0].start_ms == 500);  // sorted by start
  CHECK((*caps)[0].end_ms == 1000);
  CHECK((*caps)[0].text == "first");
  CHECK((*caps)[1].start_ms == 1000);
  CHECK((*caps)[1].end_ms == 3500);
  CHECK((*caps)[1].text == "Breathe slowly & calmly\nsecond <line>\xC2\xA0" "AB");
  CHECK(outpost::cue_at(*caps, 499) == nullptr);
  CHECK(outpost::cue_at(*caps, 500)->text == "first");
  CHECK(outpost::cue_at(*caps, 2000)->start_ms == 1000);
  CHECK(outpost::cue_at(*caps, 3500) == nullptr);
}

TEST_CASE("webvtt: hours and the largest minutes and seconds") {
  auto caps = parse_webvtt("WEBVTT\n\n01:59:59.999 --> 101:00:00.000\nlate\n", "x.vtt");
  REQUIRE(caps.ok());
  CHECK((*caps)[0].start_ms == 7199999);
  CHECK((*caps)[0].end_ms == 101LL * 3600 * 1000);
}

TEST_CASE("webvtt: broken files are refused with file and line") {
  struct Case { const char* text; const char* message; };
  const Case cases[] = {
      {"WEBVTX\n\n00:01.000 --> 00:02.000\nx\n", "c.vtt:1: not a WebVTT file"},
      {"", "c.vtt:1: not a WebVTT file"},
      {"WEBVTTX\n", "c.vtt:1: not a WebVTT file"},
      {"WEBVTT\n\n00:01.000 --> 00:0a.000\nx\n", "c.vtt:3: bad cue time '00:01.000 --> 00:0a.000'"},
      {"WEBVTT\n\n00:61.000 --> 00:62.000\nx\n", "c.vtt:3: bad cue time"},
      {"WEBVTT\n\n00:60:00.000 --> 01:00:00.000\nx\n", "c.vtt:3: bad cue time"},
      {"WEBVTT\n\n00:05.000 --> 00:04.000\nx\n", "c.vtt:3: bad cue time"},
      {"WEBVTT\n\n00:05.00 --> 00:06.000\nx\n", "c.vtt:3: bad cue time"},
      {"WEBVTT\n\n5.000 --> 6.000\nx\n", "c.vtt:3: bad cue time"},
      {"WEBVTT\n\nid\n00:01.000 -> 00:02.000\nx\n", "c.vtt:4: bad cue time"},
      {"WEBVTT\n\nid only\n", "c.vtt:3: text with no cue time"},
      {"WEBVTT\n\n00:01.000 -->\nx\n", "c.vtt:3: bad cue time"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto caps = parse_webvtt(c.text, "c.vtt");
    REQUIRE_FALSE(caps.ok());
    CHECK(caps.status().code() == outpost::Errc::invalid_argument);
    CHECK(caps.status().message().find(c.message) == 0);
  }
}

TEST_CASE("webvtt: hostile input is bounded") {
  std::string big = "WEBVTT\n\n" + std::string(outpost::kMaxWebvttBytes, 'a');
  CHECK_FALSE(parse_webvtt(big, "big.vtt").ok());
  std::string many = "WEBVTT\n";
  for (std::size_t i = 0; i <= outpost::kMaxWebvttCues; ++i) many += "\n00:01.000 --> 00:02.000\nx\n";
  auto r = parse_webvtt(many, "many.vtt");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("cues") != std::string::npos);
  // Unclosed tags, bad entities, NUL and stray bytes do not crash.
  auto odd = parse_webvtt(std::string("WEBVTT\n\n00:01.000 --> 00:02.000\na&#;&#xFFFFFFFFF;&bogus;<b\0c\n", 56),
                          "odd.vtt");
  REQUIRE(odd.ok());
  CHECK((*odd)[0].text.find("a&#;") == 0);
}
