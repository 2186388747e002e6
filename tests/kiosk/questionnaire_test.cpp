// Questionnaire engine behaviour: enablement, translations, scoring, bands,
// critical answers and the FHIR response round trip.
#include "kiosk/questionnaire.h"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/kiosk/questionnaire_fixture.h"

using namespace outpost;
using namespace outpost::test;
using nlohmann::json;

namespace {

const json kTypedItems = json::parse(R"([
  {"linkId": "c", "type": "choice", "answerOption": [
    {"valueCoding": {"system": "s", "code": "a"}}, {"valueCoding": {"system": "s", "code": "b"}}]},
  {"linkId": "b", "type": "boolean"},
  {"linkId": "i", "type": "integer"},
  {"linkId": "d", "type": "decimal"},
  {"linkId": "s", "type": "string"},
  {"linkId": "t", "type": "date"}
])");

// The typed items above plus "dep", a display item carrying `enable_when`.
Questionnaire with_dependent(json enable_when, const char* behavior = nullptr) {
  json doc = {{"resourceType", "Questionnaire"}, {"item", kTypedItems}};
  json dep = {{"linkId", "dep"}, {"type", "display"}, {"enableWhen", std::move(enable_when)}};
  if (behavior) dep["enableBehavior"] = behavior;
  doc["item"].push_back(std::move(dep));
  auto q = Questionnaire::from_json(doc, "typed");
  REQUIRE_MESSAGE(q.ok(), q.status().message());
  return std::move(q).value();
}

bool dep_enabled(const Questionnaire& q, const Answers& a) {
  return is_enabled(q, *q.find("dep"), a);
}

struct OpCase {
  const char* question;
  const char* op;
  json expected;  // {"answerX": value}
  std::optional<AnswerValue> given;
  bool enabled;
};

}  // namespace

TEST_CASE("enableWhen: every operator on each answer type") {
  const json coding_a = {{"answerCoding", {{"system", "s"}, {"code", "a"}}}};
  const std::vector<OpCase> cases = {
      // choice: = and != only
      {"c", "=", coding_a, Coding{"s", "a", ""}, true},
      {"c", "=", coding_a, Coding{"s", "b", ""}, false},
      {"c", "!=", coding_a, Coding{"s", "b", ""}, true},
      {"c", "!=", coding_a, Coding{"s", "a", ""}, false},
      {"c", "=", coding_a, std::nullopt, false},
      {"c", "!=", coding_a, std::nullopt, false},
      // boolean
      {"b", "=", {{"answerBoolean", true}}, true, true},
      {"b", "=", {{"answerBoolean", true}}, false, false},
      {"b", "!=", {{"answerBoolean", true}}, false, true},
      {"b", "!=", {{"answerBoolean", true}}, true, false},
      // integer
      {"i", "=", {{"answerInteger", 5}}, std::int64_t{5}, true},
      {"i", "=", {{"answerInteger", 5}}, std::int64_t{4}, false},
      {"i", "!=", {{"answerInteger", 5}}, std::int64_t{4}, true},
      {"i", ">", {{"answerInteger", 5}}, std::int64_t{6}, true},
      {"i", ">", {{"answerInteger", 5}}, std::int64_t{5}, false},
      {"i", "<", {{"answerInteger", 5}}, std::int64_t{4}, true},
      {"i", "<", {{"answerInteger", 5}}, std::int64_t{5}, false},
      {"i", ">=", {{"answerInteger", 5}}, std::int64_t{5}, true},
      {"i", ">=", {{"answerInteger", 5}}, std::int64_t{4}, false},
      {"i", "<=", {{"answerInteger", 5}}, std::int64_t{5}, true},
      {"i", "<=", {{"answerInteger", 5}}, std::int64_t{6}, false},
      // decimal
      {"d", "=", {{"answerDecimal", 2.5}}, 2.5, true},
      {"d", "!=", {{"answerDecimal", 2.5}}, 2.5, false},
      {"d", ">", {{"answerDecimal", 2.5}}, 2.6, true},
      {"d", "<", {{"answerDecimal", 2.5}}, 2.6, false},
      {"d", ">=", {{"answerDecimal", 2.5}}, 2.5, true},
      {"d", "<=", {{"answerDecimal", 2.5}}, 2.4, true},
      {"d", "<=", {{"answerDecimal", 2.5}}, 2.6, false},
      // string
      {"s", "=", {{"answerString", "yes"}}, std::string("yes"), true},
      {"s", "!=", {{"answerString", "yes"}}, std::string("yes"), false},
      {"s", ">", {{"answerString", "b"}}, std::string("c"), true},
      {"s", "<", {{"answerString", "b"}}, std::string("c"), false},
      {"s", ">=", {{"answerString", "b"}}, std::string("b"), true},
      {"s", "<=", {{"answerString", "b"}}, std::string("a"), true},
      // date
      {"t", "=", {{"answerDate", "2024-02-29"}}, Date{"2024-02-29"}, true},
      {"t", "!=", {{"answerDate", "2024-02-29"}}, Date{"2024-02-29"}, false},
      {"t", ">", {{"answerDate", "2024-02-29"}}, Date{"2024-03-01"}, true},
      {"t", "<", {{"answerDate", "2024-02-29"}}, Date{"2024-03-01"}, false},
      {"t", ">=", {{"answerDate", "2024-02-29"}}, Date{"2024-02-29"}, true},
      {"t", "<=", {{"answerDate", "2024-02-29"}}, Date{"2023-12-31"}, true},
      // exists, on several types
      {"c", "exists", {{"answerBoolean", true}}, Coding{"s", "b", ""}, true},
      {"c", "exists", {{"answerBoolean", true}}, std::nullopt, false},
      {"i", "exists", {{"answerBoolean", false}}, std::nullopt, true},
      {"i", "exists", {{"answerBoolean", false}}, std::int64_t{0}, false},
      {"s", "exists", {{"answerBoolean", true}}, std::string(""), true},
  };
  for (const auto& c : cases) {
    json ew = c.expected;
    ew["question"] = c.question;
    ew["operator"] = c.op;
    CAPTURE(ew.dump());
    Questionnaire q = with_dependent(json::array({ew}));
    Answers a;
    if (c.given) a.set(c.question, *c.given);
    CHECK(dep_enabled(q, a) == c.enabled);
  }
}

TEST_CASE("enableWhen: answerCoding without system matches the option") {
  Questionnaire q =
      with_dependent(json::parse(R"([{"question": "c", "operator": "=", "answerCoding": {"code": "b"}}])"));
  Answers a;
  a.set("c", Coding{"s", "b", ""});
  CHECK(dep_enabled(q, a));
}

TEST_CASE("enableBehavior all and any") {
  const json two = json::parse(R"([
    {"question": "b", "operator": "=", "answerBoolean": true},
    {"question": "i", "operator": ">", "answerInteger": 3}])");
  Questionnaire all = with_dependent(two, "all");
  Questionnaire any = with_dependent(two, "any");
  Answers a;
  CHECK_FALSE(dep_enabled(all, a));
  CHECK_FALSE(dep_enabled(any, a));
  a.set("b", true);
  CHECK_FALSE(dep_enabled(all, a));
  CHECK(dep_enabled(any, a));
  a.set("i", std::int64_t{4});
  CHECK(dep_enabled(all, a));
  CHECK(dep_enabled(any, a));
  a.set("b", false);
  CHECK_FALSE(dep_enabled(all, a));
  CHECK(dep_enabled(any, a));
}

TEST_CASE("nested items under a disabled group are disabled, and pages skip them") {
  Questionnaire q = example_questionnaire();
  Answers a;
  a.set("mood", answer_code("0"));
  a.set("talked", true);
  CHECK_FALSE(is_enabled(q, *q.find("support"), a));
  CHECK_FALSE(is_enabled(q, *q.find("talked"), a));
  // "who" depends on "talked", which is disabled: treated as unanswered.
  CHECK_FALSE(is_enabled(q, *q.find("who"), a));
  std::vector<std::string> ids;
  for (const Item* item : pages(q, a)) ids.push_back(item->link_id);
  CHECK(ids == std::vector<std::string>{"intro", "mood", "sleep", "today"});

  a.set("mood", answer_code("2"));
  ids.clear();
  for (const Item* item : pages(q, a)) ids.push_back(item->link_id);
  CHECK(ids == std::vector<std::string>{"intro", "mood", "sleep", "talked", "who", "today"});
  CHECK(q.parent_of("who")->link_id == "support");
  CHECK(q.parent_of("mood") == nullptr);
}

TEST_CASE("drop_disabled_answers removes answers that became disabled, transitively") {
  Questionnaire q = example_questionnaire();
  Answers a;
  a.set("mood", answer_code("2"));
  a.set("sleep", plain_code("0"));
  a.set("talked", true);
  a.set("who", std::string("my sister"));
  CHECK(validate_answers(q, a).ok());
  a.set("mood", answer_code("0"));
  CHECK(validate_answers(q, a).message().find("'talked'") != std::string::npos);
  drop_disabled_answers(q, a);
  CHECK(a.get("talked") == nullptr);
  CHECK(a.get("who") == nullptr);
  CHECK(a.get("sleep") != nullptr);
  CHECK(validate_answers(q, a).ok());
}

TEST_CASE("translations with fallback: title, item text, option display, band label") {
  Questionnaire q = example_questionnaire();
  CHECK(q.language() == "en");
  CHECK(q.languages() == std::vector<std::string>{"en", "es"});
  CHECK(q.title().in("es") == "Control del ánimo");
  CHECK(q.title().in("es-MX") == "Control del ánimo");
  CHECK(q.title().in("fr") == "Mood check");
  const Item& mood = *q.find("mood");
  CHECK(mood.text.in("es") == "¿Se siente decaído?");
  CHECK(mood.text.in("so") == "Feeling down?");
  CHECK(mood.options[0].display.in("es") == "Nada");
  CHECK(mood.options[1].display.in("es") == "Some days");  // no translation: base
  CHECK(q.find("sleep")->text.in("es") == "Trouble sleeping?");
  CHECK(q.bands()[0].label_in("es") == "bajo");
  CHECK(q.bands()[1].label_in("es") == "high");
}

TEST_CASE("scoring sums option weights and ignores unweighted items") {
  Questionnaire q = example_questionnaire();
  Answers a;
  a.set("mood", answer_code("1"));
  a.set("sleep", plain_code("1"));
  a.set("talked", false);
  a.set("today", plain_code("bad"));  // no weights: adds nothing
  auto r = assess(q, a);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK(r->score == doctest::Approx(2.5));
  CHECK_FALSE(r->band.has_value());  // 2.5 lies between the bands
  CHECK(r->flags.empty());
  CHECK(assessment_json(*r) ==
        json::parse(R"({"score": 2.5, "band": null, "flags": [], "critical_items": []})"));
}

TEST_CASE("bands: edges of a synthetic questionnaire") {
  Questionnaire q = example_questionnaire();
  CHECK(q.band_for(0)->label == "low");
  CHECK(q.band_for(2)->label == "low");
  CHECK(q.band_for(2.5) == nullptr);
  CHECK(q.band_for(3)->label == "high");
  CHECK(q.band_for(6)->label == "high");
  CHECK(q.band_for(6.5) == nullptr);
  CHECK(q.band_for(-1) == nullptr);

  struct Case {
    const char* mood;
    const char* sleep;
    double score;
    const char* band;
  };
  for (const Case& c : {Case{"0", "0", 0, "low"}, Case{"1", "0", 1, "low"}, Case{"2", "0", 2, "low"},
                        Case{"1", "2", 4, "high"}, Case{"0", "2", 3, "high"}, Case{"3", "2", 6, "high"}}) {
    Answers a;
    a.set("mood", answer_code(c.mood));
    a.set("sleep", plain_code(c.sleep));
    if (std::string(c.mood) != "0") a.set("talked", true);
    auto r = assess(q, a);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    CHECK(r->score == c.score);
    REQUIRE(r->band);
    CHECK(r->band->label == c.band);
  }
}

TEST_CASE("critical flag below, at and above the threshold") {
  // The example's mood item is critical at weight >= 3; a copy at 2 tests "above".
  json doc = design_example();
  doc["item"][1]["extension"][0]["valueDecimal"] = 2;
  auto at_two = Questionnaire::from_json(doc);
  REQUIRE(at_two.ok());
  Questionnaire q = example_questionnaire();

  auto run = [](const Questionnaire& qq, const char* mood) {
    Answers a;
    a.set("mood", answer_code(mood));
    a.set("sleep", plain_code("0"));
    if (std::string(mood) != "0") a.set("talked", true);
    auto r = assess(qq, a);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    return r.value();
  };
  Assessment below = run(q, "2");
  CHECK(below.flags.empty());
  CHECK(below.critical_items.empty());
  Assessment at = run(q, "3");
  CHECK(at.flags == std::vector<std::string>{"critical"});
  CHECK(at.critical_items == std::vector<std::string>{"mood"});
  Assessment above = run(*at_two, "3");
  CHECK(above.flags == std::vector<std::string>{"critical"});
  CHECK(above.critical_items == std::vector<std::string>{"mood"});
  CHECK(is_critical_answer(*q.find("mood"), answer_code("3")));
  CHECK_FALSE(is_critical_answer(*q.find("mood"), answer_code("2")));
  CHECK_FALSE(is_critical_answer(*q.find("sleep"), plain_code("2")));
  CHECK(assessment_json(at) ==
        json::parse(R"({"score": 3, "band": "high", "flags": ["critical"], "critical_items": ["mood"]})"));
}

TEST_CASE("to_response is FHIR with the assessment, and reads back to the same answers") {
  Questionnaire q = example_questionnaire();
  Answers a;
  a.set("mood", answer_code("0"));
  a.set("sleep", plain_code("2"));
  a.set("today", plain_code("ok"));
  auto r = assess(q, a);
  REQUIRE(r.ok());
  json resp = to_response(q, a, *r, ResponseMeta{"es", "K7Q2-9", "2026-11-23T07:00:00Z"});
  CHECK(resp["resourceType"] == "QuestionnaireResponse");
  CHECK(resp["status"] == "completed");
  CHECK(resp["questionnaire"] == "urn:outpost:questionnaire:mood-mini|1");
  CHECK(resp["language"] == "es");
  CHECK(resp["authored"] == "2026-11-23T07:00:00Z");
  CHECK(resp["subject"]["identifier"]["value"] == "K7Q2-9");
  CHECK(resp["extension"][0] == json::parse(R"({"url": "urn:outpost:score", "valueDecimal": 3})"));
  CHECK(resp["extension"][1] == json::parse(R"({"url": "urn:outpost:band", "valueString": "high"})"));
  REQUIRE(resp["item"].size() == 3);  // no display, no disabled group
  CHECK(resp["item"][0]["linkId"] == "mood");
  CHECK(resp["item"][0]["text"] == "¿Se siente decaído?");
  // The code's own display; what the patient read in the translation extension.
  CHECK(resp["item"][0]["answer"][0]["valueCoding"]["display"] == "Not at all");
  CHECK(resp["item"][0]["answer"][0]["valueCoding"]["_display"] == json::parse(R"({"extension": [
    {"url": "http://hl7.org/fhir/StructureDefinition/translation",
     "extension": [{"url": "lang", "valueCode": "es"}, {"url": "content", "valueString": "Nada"}]}]})"));
  CHECK_FALSE(resp["item"][1]["answer"][0]["valueCoding"].contains("_display"));  // "No" has no translation
  // es-MX falls back to the es text, and the extension says which language it is in.
  json mx = to_response(q, a, *r, ResponseMeta{"es-MX", "", ""});
  CHECK(mx["item"][0]["answer"][0]["valueCoding"]["_display"]["extension"][0]["extension"][0]["valueCode"] ==
        "es");
  json en = to_response(q, a, *r, ResponseMeta{"en", "", ""});
  CHECK_FALSE(en["item"][0]["answer"][0]["valueCoding"].contains("_display"));

  auto back = answers_from_response(q, resp);
  REQUIRE_MESSAGE(back.ok(), back.status().message());
  CHECK(back->all() == a.all());

  // With a group, a boolean, a string, a critical answer and no subject.
  Answers b;
  b.set("mood", answer_code("3"));
  b.set("sleep", plain_code("1"));
  b.set("talked", true);
  b.set("who", std::string("a friend"));
  auto rb = assess(q, b);
  REQUIRE(rb.ok());
  json resp_b = to_response(q, b, *rb, ResponseMeta{"en", "", ""});
  CHECK_FALSE(resp_b.contains("subject"));
  CHECK(resp_b["extension"].size() == 4);  // score, band, flag, critical-item
  CHECK(resp_b["item"][2]["item"][1]["answer"][0]["valueString"] == "a friend");
  auto back_b = answers_from_response(q, resp_b);
  REQUIRE_MESSAGE(back_b.ok(), back_b.status().message());
  CHECK(back_b->all() == b.all());
}

TEST_CASE("the design document's example parses and scores") {
  Questionnaire q = example_questionnaire();
  CHECK(q.id() == "mood-mini");
  CHECK(q.items().size() == 5);
  CHECK(q.flatten().size() == 7);
  auto resp = json::parse(R"({"resourceType": "QuestionnaireResponse",
    "questionnaire": "urn:outpost:questionnaire:mood-mini|1", "status": "completed",
    "item": [{"linkId": "mood", "answer": [{"valueCoding": {"system": "urn:outpost:answers", "code": "2"}}]},
             {"linkId": "sleep", "answer": [{"valueCoding": {"code": "1"}}]},
             {"linkId": "support", "item": [{"linkId": "talked", "answer": [{"valueBoolean": false}]}]}]})");
  auto a = answers_from_response(q, resp);
  REQUIRE_MESSAGE(a.ok(), a.status().message());
  auto r = assess(q, *a);
  REQUIRE_MESSAGE(r.ok(), r.status().message());
  CHECK(assessment_json(*r, "es") ==
        json::parse(R"({"score": 3.5, "band": "high", "flags": [], "critical_items": []})"));
}

TEST_CASE("Answers::wipe and erase clear values") {
  Answers a;
  a.set("s", std::string("private words"));
  a.set("c", Coding{"x", "y", "z"});
  a.erase("s");
  CHECK(a.get("s") == nullptr);
  a.set("c", true);
  CHECK(*a.get("c") == AnswerValue(true));
  a.wipe();
  CHECK(a.empty());
}
