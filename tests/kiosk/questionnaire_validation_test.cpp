// Malformed questionnaires and responses: each is rejected with a message
// naming the linkId or field, and none crashes.
#include <functional>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "kiosk/questionnaire.h"
#include "tests/kiosk/questionnaire_fixture.h"

using namespace outpost;
using namespace outpost::test;
using nlohmann::json;

namespace {

struct BadQuestionnaire {
  const char* name;
  std::function<void(json&)> mutate;
  const char* fragment;
};

// Items in the example: 0 intro, 1 mood, 2 sleep, 3 support {talked, who}, 4 today.
json& item(json& q, int i) {
  return q["item"][i];
}

json translation(json lang, json content) {
  json ext = json::array();
  if (!lang.is_null()) ext.push_back({{"url", "lang"}, {"valueCode", lang}});
  if (!content.is_null()) ext.push_back({{"url", "content"}, {"valueString", content}});
  return {
      {"extension", {{{"url", "http://hl7.org/fhir/StructureDefinition/translation"}, {"extension", ext}}}}};
}

json band(json min, json max, const char* label) {
  return {{"url", "urn:outpost:score-band"},
          {"extension",
           {{{"url", "min"}, {"valueInteger", min}},
            {{"url", "max"}, {"valueInteger", max}},
            {{"url", "label"}, {"valueString", label}}}}};
}

}  // namespace

TEST_CASE("questionnaire text that is not JSON") {
  for (const char* text : {"", "{", "not json", "[1,2", "{\"resourceType\": \"Questionnaire\",}"}) {
    auto q = Questionnaire::parse(text, "bad.json");
    REQUIRE_FALSE(q.ok());
    CHECK(q.status().code() == Errc::invalid_questionnaire);
    CHECK(q.status().message() == "bad.json: not valid JSON");
  }
  auto arr = Questionnaire::parse("[]", "arr.json");
  CHECK(arr.status().message() == "arr.json: is not a JSON object");
}

TEST_CASE("malformed questionnaires are rejected naming the linkId or field") {
  const std::vector<BadQuestionnaire> cases = {
      {"wrong resourceType", [](json& q) { q["resourceType"] = "Patient"; }, "resourceType is \"Patient\""},
      {"no resourceType", [](json& q) { q.erase("resourceType"); }, "resourceType is missing"},
      {"no items", [](json& q) { q["item"] = json::array(); },
       "item: a Questionnaire needs a non-empty item array"},
      {"missing linkId", [](json& q) { item(q, 2).erase("linkId"); }, "item[2]: linkId is missing"},
      {"empty linkId", [](json& q) { item(q, 2)["linkId"] = ""; }, "item[2]: linkId is empty"},
      {"linkId not a string", [](json& q) { item(q, 2)["linkId"] = 7; }, "item[2]: linkId is missing"},
      {"duplicate linkId", [](json& q) { item(q, 4)["linkId"] = "mood"; }, "item 'mood': duplicate linkId"},
      {"duplicate nested linkId", [](json& q) { item(q, 3)["item"][1]["linkId"] = "sleep"; },
       "item 'sleep': duplicate linkId"},
      {"unknown type", [](json& q) { item(q, 2)["type"] = "open-choice"; },
       "item 'sleep': type 'open-choice' is not supported"},
      {"missing type", [](json& q) { item(q, 2).erase("type"); }, "item 'sleep': type is missing"},
      {"choice without options", [](json& q) { item(q, 2).erase("answerOption"); },
       "item 'sleep': choice item has no answerOption"},
      {"option without valueCoding",
       [](json& q) {
         item(q, 2)["answerOption"][1] = {{"valueString", "x"}};
       },
       "item 'sleep': answerOption[1]: has no valueCoding"},
      {"option without code", [](json& q) { item(q, 2)["answerOption"][0]["valueCoding"].erase("code"); },
       "item 'sleep': answerOption[0]: valueCoding has no code"},
      {"duplicate option code", [](json& q) { item(q, 2)["answerOption"][1]["valueCoding"]["code"] = "0"; },
       "item 'sleep': answerOption code '0' is listed twice"},
      {"weight not a number",
       [](json& q) { item(q, 2)["answerOption"][1]["extension"][0]["valueDecimal"] = "1.5"; },
       "item 'sleep': answerOption[1] (code '1'): weight (valueDecimal) is not a number"},
      {"answerOption on a non-choice item",
       [](json& q) { item(q, 3)["item"][0]["answerOption"] = item(q, 2)["answerOption"]; },
       "item 'talked': answerOption is only allowed on choice items"},
      {"enableWhen unknown linkId", [](json& q) { item(q, 3)["enableWhen"][0]["question"] = "nope"; },
       "item 'support': enableWhen[0]: question 'nope' is not a linkId"},
      {"enableWhen on itself",
       [](json& q) {
         item(q,
              4)["enableWhen"] = {{{"question", "today"}, {"operator", "exists"}, {"answerBoolean", true}}};
       },
       "item 'today': enableWhen[0]: refers to the item itself"},
      {"enableWhen answer type mismatch",
       [](json& q) {
         item(q, 3)["item"][1]["enableWhen"][0] = {
             {"question", "talked"}, {"operator", "="}, {"answerInteger", 1}};
       },
       "item 'who': enableWhen[0]: answerInteger does not match boolean item 'talked'; expected "
       "answerBoolean"},
      {"enableWhen code not an option",
       [](json& q) { item(q, 3)["enableWhen"][0]["answerCoding"]["code"] = "9"; },
       "item 'support': enableWhen[0]: answerCoding code '9' is not an option of item 'mood'"},
      {"unknown operator", [](json& q) { item(q, 3)["enableWhen"][0]["operator"] = "~"; },
       "item 'support': enableWhen[0]: operator '~' is not supported"},
      {"ordering operator on choice", [](json& q) { item(q, 3)["enableWhen"][0]["operator"] = ">"; },
       "item 'support': enableWhen[0]: operator does not apply to choice answers"},
      {"ordering operator on boolean",
       [](json& q) { item(q, 3)["item"][1]["enableWhen"][0]["operator"] = "<="; },
       "item 'who': enableWhen[0]: operator does not apply to boolean answers"},
      {"url with a version bar", [](json& q) { q["url"] = "urn:x|2"; }, "url: must not contain '|'"},
      {"exists without answerBoolean", [](json& q) { item(q, 3)["enableWhen"][0]["operator"] = "exists"; },
       "item 'support': enableWhen[0]: operator 'exists' needs answerBoolean"},
      {"enableWhen without answer", [](json& q) { item(q, 3)["enableWhen"][0].erase("answerCoding"); },
       "item 'support': enableWhen[0]: answer[x] is missing"},
      {"enableWhen on a group",
       [](json& q) {
         item(q,
              4)["enableWhen"] = {{{"question", "support"}, {"operator", "exists"}, {"answerBoolean", true}}};
       },
       "item 'today': enableWhen[0]: question 'support' is a group item and has no answer"},
      {"two enableWhen without enableBehavior",
       [](json& q) {
         item(q, 3)["enableWhen"].push_back(
             {{"question", "sleep"}, {"operator", "exists"}, {"answerBoolean", true}});
       },
       "item 'support': enableBehavior is required with more than one enableWhen"},
      {"bad enableBehavior", [](json& q) { item(q, 3)["enableBehavior"] = "most"; },
       "item 'support': enableBehavior most is not \"all\" or \"any\""},
      {"enableWhen cycle",
       [](json& q) {
         item(q,
              2)["enableWhen"] = {{{"question", "talked"}, {"operator", "exists"}, {"answerBoolean", true}}};
         item(q, 3)["enableWhen"][0] = {
             {"question", "sleep"}, {"operator", "exists"}, {"answerBoolean", true}};
       },
       "enableWhen conditions form a cycle"},
      {"band min > max", [](json& q) { q["extension"][1] = band(7, 3, "high"); },
       "extension[1] (score-band): min 7 is greater than max 3"},
      {"overlapping bands", [](json& q) { q["extension"][1] = band(2, 6, "high"); },
       "band 'high' [2, 6] overlaps band 'low' [0, 2]"},
      {"non-integer band bound", [](json& q) { q["extension"][1] = band(3.5, 6, "high"); },
       "extension[1] (score-band): min is not an integer (valueInteger)"},
      {"band without label", [](json& q) { q["extension"][1]["extension"].erase(2); },
       "extension[1] (score-band): label is missing"},
      {"critical not a number", [](json& q) { item(q, 1)["extension"][0]["valueDecimal"] = "3"; },
       "item 'mood': critical-at-or-above is not a number"},
      {"critical without weights",
       [](json& q) {
         item(q, 4)["extension"] = {{{"url", "urn:outpost:critical-at-or-above"}, {"valueDecimal", 1}}};
       },
       "item 'today': critical-at-or-above needs answer options with weights"},
      {"translation without lang", [](json& q) { item(q, 2)["_text"] = translation(nullptr, "hola"); },
       "item 'sleep': _text translation has no lang"},
      {"translation without content", [](json& q) { q["_title"] = translation("es", nullptr); },
       "title: _title translation 'es' has no content"},
      {"option display translation without lang",
       [](json& q) { item(q, 2)["answerOption"][0]["valueCoding"]["_display"] = translation(nullptr, "No"); },
       "item 'sleep': answerOption[0] (code '0'): _display translation has no lang"},
      {"group without items", [](json& q) { item(q, 3)["item"] = json::array(); },
       "item 'support': group item has no items"},
      {"a question under a question", [](json& q) { item(q, 2)["item"] = json::array({item(q, 1)}); },
       "item 'sleep': item[0]: only display items (help text) may sit under a question"},
      {"quantity answered by the patient", [](json& q) { item(q, 2) = {{"linkId", "total"}, {"type", "quantity"}}; },
       "item 'total': quantity items are supported only as calculated or read-only results"},
      {"answerValueSet not contained",
       [](json& q) {
         item(q, 2).erase("answerOption");
         item(q, 2)["answerValueSet"] = "http://loinc.org/vs/LL358-3";
       },
       "item 'sleep': answerValueSet 'http://loinc.org/vs/LL358-3' cannot be resolved offline"},
      {"required display item", [](json& q) { item(q, 0)["required"] = true; },
       "item 'intro': a display item cannot be required"},
      {"required not boolean", [](json& q) { item(q, 2)["required"] = "yes"; },
       "item 'sleep': required is not a boolean"},
      {"repeats", [](json& q) { item(q, 2)["repeats"] = true; }, "item 'sleep': repeats is not supported"},
      {"modifierExtension", [](json& q) { item(q, 2)["modifierExtension"] = json::array(); },
       "item 'sleep': modifierExtension is not supported"},
      {"text not a string", [](json& q) { item(q, 2)["text"] = json::object(); },
       "item 'sleep': text is not a string"},
      {"extension not an array", [](json& q) { item(q, 1)["extension"] = 1; },
       "item 'mood': extension is not an array"},
      {"item not an object", [](json& q) { item(q, 4) = "today"; }, "item[4]: is not an object"},
  };
  CHECK(cases.size() >= 20);
  for (const auto& c : cases) {
    CAPTURE(c.name);
    json doc = design_example();
    c.mutate(doc);
    auto q = Questionnaire::from_json(doc, "q.json");
    REQUIRE_FALSE(q.ok());
    CHECK(q.status().code() == Errc::invalid_questionnaire);
    CHECK(q.status().message().rfind("q.json: ", 0) == 0);
    CHECK_MESSAGE(q.status().message().find(c.fragment) != std::string::npos, q.status().message());
  }
}

TEST_CASE("unknown extensions are ignored") {
  json doc = design_example();
  item(doc, 2)["extension"] = {{{"url", "http://example.org/unknown"}, {"valueString", "x"}}};
  doc["extension"].push_back({{"url", "http://example.org/other"}});
  CHECK(Questionnaire::from_json(doc).ok());
}

// "g" + std::to_string(i) trips a GCC 12 -Wrestrict false positive at -O3
// (GCC PR 105329); appending to a string built from the prefix does not.
static std::string numbered(const char* prefix, int i) {
  std::string s = prefix;
  s += std::to_string(i);
  return s;
}

TEST_CASE("deep nesting and many items are refused, not a stack overflow") {
  json leaf = {{"linkId", "leaf"}, {"type", "boolean"}};
  for (int i = 0; i < 40; ++i)
    leaf = {{"linkId", numbered("g", i)}, {"type", "group"}, {"item", json::array({leaf})}};
  auto deep = Questionnaire::from_json({{"resourceType", "Questionnaire"}, {"item", json::array({leaf})}});
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.status().message().find("nested deeper than 16 levels") != std::string::npos);

  json many = json::array();
  for (int i = 0; i < 1001; ++i) many.push_back({{"linkId", numbered("q", i)}, {"type", "boolean"}});
  auto wide = Questionnaire::from_json({{"resourceType", "Questionnaire"}, {"item", many}});
  REQUIRE_FALSE(wide.ok());
  CHECK(wide.status().message().find("more than 1000 items") != std::string::npos);
}

namespace {

json valid_response() {
  return json::parse(R"({"resourceType": "QuestionnaireResponse", "status": "completed",
    "questionnaire": "urn:outpost:questionnaire:mood-mini|1",
    "item": [{"linkId": "mood", "answer": [{"valueCoding": {"system": "urn:outpost:answers", "code": "2"}}]},
             {"linkId": "sleep", "answer": [{"valueCoding": {"code": "1"}}]},
             {"linkId": "support", "item": [{"linkId": "talked", "answer": [{"valueBoolean": true}]},
                                            {"linkId": "who", "answer": [{"valueString": "a friend"}]}]}]})");
}

struct BadResponse {
  const char* name;
  std::function<void(json&)> mutate;
  const char* fragment;
};

}  // namespace

TEST_CASE("malformed responses are rejected naming the linkId") {
  Questionnaire q = example_questionnaire();
  {
    auto a = answers_from_response(q, valid_response());
    REQUIRE_MESSAGE(a.ok(), a.status().message());
    REQUIRE_MESSAGE(validate_answers(q, *a).ok(), validate_answers(q, *a).message());
  }
  const std::vector<BadResponse> cases = {
      {"wrong resourceType", [](json& r) { r["resourceType"] = "Questionnaire"; },
       "resourceType: is \"Questionnaire\""},
      {"not an object", [](json& r) { r = json::array(); }, "is not a JSON object"},
      {"other questionnaire", [](json& r) { r["questionnaire"] = "urn:other|1"; },
       "questionnaire: 'urn:other' is not this questionnaire"},
      {"missing required", [](json& r) { r["item"].erase(1); },
       "item 'sleep': required item is not answered"},
      {"missing required in enabled group", [](json& r) { r["item"][2]["item"] = json::array(); },
       "item 'talked': required item is not answered"},
      {"answer depends on a missing answer", [](json& r) { r["item"][2]["item"].erase(0); },
       "item 'who': is disabled by enableWhen"},
      {"answer to a disabled item", [](json& r) { r["item"][0]["answer"][0]["valueCoding"]["code"] = "0"; },
       "item 'talked': is disabled by enableWhen and must not be answered"},
      {"unknown linkId",
       [](json& r) {
         r["item"].push_back({{"linkId", "ghost"}, {"answer", {{{"valueBoolean", true}}}}});
       },
       "item 'ghost': unknown linkId"},
      {"unknown code", [](json& r) { r["item"][1]["answer"][0]["valueCoding"]["code"] = "7"; },
       "item 'sleep': code '7' is not one of its answer options"},
      {"wrong value type",
       [](json& r) {
         r["item"][2]["item"][0]["answer"][0] = {{"valueString", "yes"}};
       },
       "item 'talked': valueString does not fit a boolean item; expected valueBoolean"},
      {"value of the wrong JSON type",
       [](json& r) {
         r["item"][2]["item"][0]["answer"][0] = {{"valueBoolean", "yes"}};
       },
       "item 'talked': valueBoolean is not true or false"},
      {"two answers",
       [](json& r) {
         r["item"][1]["answer"].push_back({{"valueCoding", {{"code", "0"}}}});
       },
       "item 'sleep': has 2 answers; it takes one"},
      {"answer to a group",
       [](json& r) {
         r["item"][2]["answer"] = {{{"valueBoolean", true}}};
       },
       "item 'support': is a group item and takes no answer"},
      {"answer to a display item",
       [](json& r) {
         r["item"].push_back({{"linkId", "intro"}, {"answer", {{{"valueString", "x"}}}}});
       },
       "item 'intro': is a display item and takes no answer"},
      {"item appears twice", [](json& r) { r["item"].push_back(r["item"][1]); },
       "item 'sleep': appears more than once"},
      {"nested wrongly",
       [](json& r) {
         r["item"].push_back(r["item"][2]["item"][1]);
         r["item"][2]["item"].erase(1);
       },
       "item 'who': is nested differently from the questionnaire"},
      {"answer without value", [](json& r) { r["item"][1]["answer"][0] = json::object(); },
       "item 'sleep': answer has no value[x]"},
      {"linkId missing", [](json& r) { r["item"][1].erase("linkId"); }, "item[1]: linkId is missing"},
  };
  CHECK(cases.size() >= 10);
  for (const auto& c : cases) {
    CAPTURE(c.name);
    json doc = valid_response();
    c.mutate(doc);
    Status status;
    auto a = answers_from_response(q, doc, "r.json");
    if (!a.ok()) {
      status = a.status();
      CHECK(status.message().rfind("r.json: ", 0) == 0);
    } else {
      status = validate_answers(q, *a);
      CHECK_FALSE(assess(q, *a).ok());
    }
    REQUIRE_FALSE(status.ok());
    CHECK(status.code() == Errc::invalid_response);
    CHECK_MESSAGE(status.message().find(c.fragment) != std::string::npos, status.message());
  }
}

TEST_CASE("validate_answers checks values set directly") {
  Questionnaire q = example_questionnaire();
  Answers a;
  a.set("mood", std::int64_t{2});
  CHECK(validate_answers(q, a).message() == "item 'mood': answer is not a valid choice value");
  a.set("mood", answer_code("0"));
  a.set("sleep", plain_code("0"));
  CHECK(validate_answers(q, a).ok());
  a.set("support", true);
  CHECK(validate_answers(q, a).message() == "item 'support': is a group item and takes no answer");
}

TEST_CASE("dates are checked as calendar dates") {
  json doc = {{"resourceType", "Questionnaire"}, {"item", {{{"linkId", "when"}, {"type", "date"}}}}};
  auto q = Questionnaire::from_json(doc);
  REQUIRE(q.ok());
  for (const char* good : {"2024", "2024-02", "2024-02-29", "2023-12-31"}) {
    json r = {{"resourceType", "QuestionnaireResponse"},
              {"item", {{{"linkId", "when"}, {"answer", {{{"valueDate", good}}}}}}}};
    CHECK_MESSAGE(answers_from_response(*q, r).ok(), good);
  }
  for (const char* bad :
       {"2023-02-29", "2024-13", "2024-1-01", "24-01-01", "2024-04-31", "2024-01-01T00:00"}) {
    json r = {{"resourceType", "QuestionnaireResponse"},
              {"item", {{{"linkId", "when"}, {"answer", {{{"valueDate", bad}}}}}}}};
    auto a = answers_from_response(*q, r);
    REQUIRE_FALSE(a.ok());
    CHECK(a.status().message().find("item 'when': valueDate is not a date") != std::string::npos);
  }
}
