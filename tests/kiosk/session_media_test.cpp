// Session: the videos flow (library, player, watched records, idle rules).
#include <chrono>
#include <string>

#include <doctest/doctest.h>

#include "kiosk/session.h"
#include "kiosk/submission.h"

using namespace outpost;
using namespace std::chrono_literals;

namespace {

SessionConfig two_languages() {
  SessionConfig c;
  c.languages = {"en", "es"};
  c.idle_timeout = 90s;
  c.idle_warning = 20s;
  return c;
}

MediaItemRef sleep_video() {
  MediaItemRef r;
  r.channel = "demo";
  r.channel_version = 7;
  r.item_id = "sleep-basics";
  r.duration_s = 120;
  r.caption_languages = {"en", "es"};
  return r;
}

struct Videos {
  FakeClock clock;
  MemorySubmitSink sink;
  Session session{clock, two_languages(), {}, sink};

  void to_library(const char* lang = "es") {
    session.open_library();
    REQUIRE(session.screen() == Screen::language);
    REQUIRE(session.choose_language(lang));
    REQUIRE(session.screen() == Screen::library);
  }
  // Plays from `from` to `to` seconds in frames of 1/30 s.
  void play_span(double from, double to) {
    for (double t = from; t <= to + 1e-9; t += 1.0 / 30) {
      clock.advance(33ms);
      session.media_progress(t, true, false);
    }
  }
};

}  // namespace

TEST_CASE("videos: the language screen leads to the library, Back from it wipes to welcome") {
  Videos v;
  v.to_library();
  CHECK(v.session.language() == "es");
  const auto wipes = v.session.wipe_count();
  v.session.back();
  CHECK(v.session.screen() == Screen::welcome);
  CHECK(v.session.wipe_count() == wipes + 1);
  // The check-in afterwards still goes to the patient code.
  v.session.start_checkin();
  REQUIRE(v.session.choose_language("en"));
  CHECK(v.session.screen() == Screen::patient_code);
}

TEST_CASE("videos: one language skips the language screen") {
  FakeClock clock;
  MemorySubmitSink sink;
  SessionConfig c = two_languages();
  c.languages = {"es"};
  Session s(clock, c, {}, sink);
  s.open_library();
  CHECK(s.screen() == Screen::library);
  CHECK(s.language() == "es");
}

TEST_CASE("videos: seconds watched count playing time, not seeks, and leaving records one event") {
  Videos v;
  v.to_library();
  REQUIRE(v.session.play(sleep_video()));
  CHECK(v.session.screen() == Screen::player);
  v.session.media_progress(0, false, false);  // loading
  v.play_span(0, 20);
  v.session.media_progress(60, true, false);  // seek forward 40 s: not watched
  v.play_span(60, 70);
  v.session.media_progress(30, true, false);  // seek back
  v.play_span(30, 35);
  v.session.close_player();
  CHECK(v.session.screen() == Screen::library);
  REQUIRE(v.sink.media_events.size() == 1);
  const MediaEvent& e = v.sink.media_events[0];
  CHECK(e.item_id == "sleep-basics");
  CHECK(e.channel == "demo");
  CHECK(e.channel_version == 7);
  CHECK(e.seconds_watched == doctest::Approx(35.0).epsilon(0.01));
  CHECK_FALSE(e.finished);
  CHECK(e.duration_s == 120);
  CHECK(e.captions == "es");  // the patient's language, which the item has
  CHECK(e.meta.language == "es");
  CHECK(e.meta.subject.empty());  // no code entered on the way to videos
  CHECK_FALSE(e.meta.authored.empty());
  // The position is remembered for this patient only.
  CHECK(v.session.resume_position("sleep-basics") == doctest::Approx(35.0).epsilon(0.01));
  v.session.back();  // library -> welcome: a wipe
  CHECK(v.session.resume_position("sleep-basics") == 0);
  CHECK(v.session.holds_no_patient_data());
}

TEST_CASE("videos: a paused video is not watched, and opening then leaving records nothing") {
  Videos v;
  v.to_library();
  REQUIRE(v.session.play(sleep_video()));
  for (int i = 0; i < 100; ++i) {
    v.clock.advance(33ms);
    v.session.media_progress(5, false, false);
  }
  v.session.back();  // player -> library
  CHECK(v.session.screen() == Screen::library);
  CHECK(v.sink.media_events.empty());
}

TEST_CASE("videos: playing to the end is finished and the next play starts from 0") {
  Videos v;
  v.to_library();
  MediaItemRef item = sleep_video();
  item.duration_s = 3;
  REQUIRE(v.session.play(item));
  v.play_span(0, 3);
  v.session.media_progress(3, false, true);
  v.session.close_player();
  REQUIRE(v.sink.media_events.size() == 1);
  CHECK(v.sink.media_events[0].finished);
  CHECK(v.sink.media_events[0].seconds_watched == doctest::Approx(3.0).epsilon(0.02));
  CHECK(v.session.resume_position(item.item_id) == 0);
}

TEST_CASE("videos: playing keeps the idle wipe away, paused or ended lets it run and records what was watched") {
  Videos v;
  v.to_library();
  REQUIRE(v.session.play(sleep_video()));
  // Five minutes of playing: far past the 110 s idle limit, no warning.
  v.play_span(0, 119);
  v.session.tick();
  CHECK(v.session.screen() == Screen::player);
  CHECK_FALSE(v.session.idle_warning());
  // Paused: the warning after 90 s, the wipe 20 s later.
  v.session.media_progress(119, false, false);
  v.clock.advance(91s);
  v.session.tick();
  CHECK(v.session.idle_warning());
  v.clock.advance(20s);
  v.session.tick();
  CHECK(v.session.screen() == Screen::welcome);
  REQUIRE(v.sink.media_events.size() == 1);
  CHECK(v.sink.media_events[0].seconds_watched == doctest::Approx(119.0).epsilon(0.01));
  CHECK(v.session.holds_no_patient_data());
  CHECK(v.session.resume_position("sleep-basics") == 0);
}

TEST_CASE("videos: an ended video counts down to the wipe from its end") {
  Videos v;
  v.to_library();
  REQUIRE(v.session.play(sleep_video()));
  v.clock.advance(200s);  // a long load: no input, but the player was just opened
  v.session.media_progress(0, true, false);
  v.play_span(0, 2);
  v.session.media_progress(120, false, true);
  v.clock.advance(89s);
  v.session.tick();
  CHECK_FALSE(v.session.idle_warning());
  v.clock.advance(2s);
  v.session.tick();
  CHECK(v.session.idle_warning());
}

TEST_CASE("videos: caption choice: off, a language the item has, and one it lacks") {
  Videos v;
  v.to_library("en");
  MediaItemRef item = sleep_video();
  item.caption_languages = {"es"};
  REQUIRE(v.session.play(item));
  CHECK(v.session.captions() == "es");  // patient's language missing: the item's first
  v.session.set_captions("");
  CHECK(v.session.captions().empty());
  v.session.set_captions("fr");  // not offered: falls back
  CHECK(v.session.captions() == "es");
  item.caption_languages = {};
  v.session.close_player();
  REQUIRE(v.session.play(item));
  CHECK(v.session.captions().empty());
}

TEST_CASE("videos: play is refused off the library and for an empty item") {
  Videos v;
  CHECK_FALSE(v.session.play(sleep_video()));  // welcome
  v.to_library();
  CHECK_FALSE(v.session.play(MediaItemRef{}));
  CHECK(v.session.screen() == Screen::library);
  v.session.media_progress(10, true, false);  // not on the player: ignored
  v.session.close_player();
  CHECK(v.sink.media_events.empty());
}
