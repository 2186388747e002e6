#include "sync/payload.h"

#include <doctest/doctest.h>

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
