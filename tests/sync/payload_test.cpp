#include "sync/payload.h"

#include <doctest/doctest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "tests/sync/sync_test_util.h"

using namespace outpost;
using namespace outpost::sync;

TEST_CASE("a compact check-in re-expands to the same FHIR QuestionnaireResponse") {
  Questionnaire q = testing::load_phq9();
  for (const char* file : {"phq9-en-moderate.json", "phq9-es-critical.json", "phq9-en-none.json"}) {
    CAPTURE(file);
    Answers answers = testing::load_answers(q, file);
    auto assessment = assess(q, answers);
    REQUIRE(assessment.ok());
    ResponseMeta meta{"es", "123456780", "2026-03-01T10:00:00Z"};
    SecretBytes payload = encode_checkin(q, answers, meta);
    CHECK(payload.size() < 200);
    CHECK(checkin_questionnaire(payload.view()).value() == q.url() + "|" + q.version());

    auto back = decode_checkin(q, payload.view());
    REQUIRE_MESSAGE(back.ok(), back.status().to_string());
    CHECK(back->meta.language == "es");
    CHECK(back->meta.subject == "123456780");
    CHECK(back->meta.authored == "2026-03-01T10:00:00Z");
    CHECK(back->answers.all() == answers.all());

    auto fhir = reconstruct_response(q, payload.view());
    REQUIRE(fhir.ok());
    CHECK(*fhir == to_response(q, answers, *assessment, meta));
  }
}

TEST_CASE("decode_checkin rejects payloads that do not fit the questionnaire") {
  Questionnaire q = testing::load_phq9();
  std::string ref = q.url() + "|" + q.version();
  CHECK(decode_checkin(q, "not json").status().code() == Errc::corrupt);
  CHECK(decode_checkin(q, "[]").status().code() == Errc::corrupt);
  CHECK(decode_checkin(q, R"({"q":"other|1","a":[]})").status().message().find("made with questionnaire other|1") !=
        std::string::npos);
  CHECK(decode_checkin(q, R"({"q":")" + ref + R"("})").status().code() == Errc::corrupt);
  auto bad_index = decode_checkin(q, R"({"q":")" + ref + R"(","a":[99]})");
  CHECK(bad_index.status().code() == Errc::invalid_response);
  CHECK(bad_index.status().message().find("option index") != std::string::npos);
  CHECK(decode_checkin(q, R"({"q":")" + ref + R"(","a":["x"]})").status().code() == Errc::invalid_response);
}

TEST_CASE("a crisis alert carries the critical linkIds, not the answers") {
  Questionnaire q = testing::load_phq9();
  SecretBytes p = encode_crisis(q, {"44260-8"}, {"en", "", "2026-03-01T10:00:00Z"});
  auto j = nlohmann::json::parse(p.view());
  CHECK(j["i"] == nlohmann::json::array({"44260-8"}));
  CHECK_FALSE(j.contains("a"));
  CHECK_FALSE(j.contains("s"));
}

namespace {

MediaEvent watched() {
  MediaEvent e;
  e.channel = "demo";
  e.channel_version = 7;
  e.item_id = "box-breathing";
  e.seconds_watched = 19.96;
  e.duration_s = 21.04;
  e.finished = true;
  e.captions = "es";
  e.meta = ResponseMeta{"es", "123456780", "2026-03-01T10:00:00Z"};
  return e;
}

}  // namespace

TEST_CASE("a watched video round-trips through its payload, seconds to a tenth, empty fields left out") {
  MediaEvent e = watched();
  SecretBytes p = encode_media_event(e);
  auto j = nlohmann::json::parse(p.view());
  CHECK(j["f"] == "outpost-media-event/1");
  CHECK(j["w"] == 20.0);
  CHECK(j["d"] == 21.0);
  auto back = decode_media_event(p.view());
  REQUIRE_MESSAGE(back.ok(), back.status().to_string());
  CHECK(back->channel == "demo");
  CHECK(back->channel_version == 7);
  CHECK(back->item_id == "box-breathing");
  CHECK(back->seconds_watched == 20.0);
  CHECK(back->duration_s == 21.0);
  CHECK(back->finished);
  CHECK(back->captions == "es");
  CHECK(back->meta.subject == "123456780");
  CHECK(back->meta.authored == "2026-03-01T10:00:00Z");

  MediaEvent anonymous = watched();
  anonymous.captions.clear();
  anonymous.meta.subject.clear();
  auto a = nlohmann::json::parse(encode_media_event(anonymous).view());
  CHECK_FALSE(a.contains("s"));
  CHECK_FALSE(a.contains("cc"));
  CHECK(decode_media_event(encode_media_event(anonymous).view())->meta.subject.empty());
}

TEST_CASE("check_media_event names the wrong field and never its value") {
  auto problem = [](auto change) {
    MediaEvent e = watched();
    change(e);
    Status s = check_media_event(e);
    CHECK(s.code() == Errc::invalid_argument);
    CHECK(s.message().find("123456780") == std::string::npos);
    return s.message();
  };
  CHECK(check_media_event(watched()).ok());
  CHECK(problem([](MediaEvent& e) { e.channel = "../x"; }) == "media event: channel is not [a-z0-9-]{1,64}");
  CHECK(problem([](MediaEvent& e) { e.item_id.clear(); }) == "media event: item id is empty");
  CHECK(problem([](MediaEvent& e) { e.seconds_watched = -1; }) == "media event: seconds watched is negative");
  CHECK(problem([](MediaEvent& e) { e.duration_s = std::nan(""); }) == "media event: duration is not a finite number");
  CHECK(problem([](MediaEvent& e) { e.duration_s = 25 * 3600; }) == "media event: duration is more than 24 hours");
  CHECK(problem([](MediaEvent& e) { e.seconds_watched = 11 * 21.04 + 2; }) ==
        "media event: seconds watched is more than 10 times the duration");
  CHECK(problem([](MediaEvent& e) { e.captions = "english please"; }) == "media event: captions is not a language tag");
  CHECK(problem([](MediaEvent& e) { e.meta.authored = "yesterday"; }) ==
        "media event: authored is not a UTC time (YYYY-MM-DDTHH:MM:SSZ)");
  MediaEvent unknown_length = watched();
  unknown_length.duration_s = 0;  // a length not known: any watched time within 24 h
  CHECK(check_media_event(unknown_length).ok());
}

TEST_CASE("decode_media_event refuses what the kiosk would not have written, naming the field") {
  const std::string good = std::string(encode_media_event(watched()).view());
  auto with = [&](const char* key, nlohmann::json value) {
    auto j = nlohmann::json::parse(good);
    if (value.is_null()) {
      j.erase(key);
    } else {
      j[key] = value;
    }
    auto r = decode_media_event(j.dump());
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Errc::corrupt);
    CHECK(r.status().message().find("123456780") == std::string::npos);
    return r.status().message();
  };
  CHECK(decode_media_event("[1]").status().message() == "media-event payload: not a JSON object");
  CHECK(with("f", "outpost-media-event/2") == "media-event payload: format tag \"f\" is not outpost-media-event/1");
  CHECK(with("x", "123456780") == "media-event payload: unknown field");
  CHECK(with("i", nullptr) == "media-event payload: missing \"i\"");
  CHECK(with("v", -1) == "media-event payload: \"v\" is not a whole number");
  CHECK(with("e", "yes") == "media-event payload: \"e\" is not true or false");
  CHECK(with("w", 1e9) == "media-event payload: seconds watched is more than 24 hours");
  CHECK(with("s", 123456780) == "media-event payload: \"s\" is not a string");
}
