// The parts of the Questionnaire profile that real files need (docs/design.md,
// "Questionnaire profile"): identity, weights in every R4 place, contained
// ValueSets, help text, hidden and calculated items, scoring methods, the
// total item in the response. The public files themselves are tested by
// real_questionnaires_test.sh.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "kiosk/questionnaire.h"

using namespace outpost;
using nlohmann::json;

namespace {

constexpr const char* kOrdinal = "http://hl7.org/fhir/StructureDefinition/ordinalValue";
constexpr const char* kIso = "http://hl7.org/fhir/StructureDefinition/iso21090-CO-value";
constexpr const char* kCalc = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression";

json choice(const std::string& link, const std::vector<std::pair<std::string, double>>& options) {
  json opts = json::array();
  for (const auto& [code, w] : options) {
    // The weight on valueCoding.extension, as some tools write it.
    opts.push_back({{"valueCoding", {{"system", "urn:t"}, {"code", code}, {"display", code},
                                     {"extension", {{{"url", kIso}, {"valueDecimal", w}}}}}}});
  }
  return {{"linkId", link}, {"type", "choice"}, {"text", link}, {"answerOption", opts}};
}

json base() {
  return {{"resourceType", "Questionnaire"},
          {"url", "urn:t:q"},
          {"version", "1"},
          {"item", {choice("a", {{"0", 0}, {"1", 1}, {"2", 2}}), choice("b", {{"0", 0}, {"1", 5}})}}};
}

Questionnaire parse(const json& doc) {
  auto q = Questionnaire::from_json(doc, "t.json");
  REQUIRE_MESSAGE(q.ok(), q.status().to_string());
  return std::move(q).value();
}

Answers answers(std::initializer_list<std::pair<const char*, const char*>> codes) {
  Answers a;
  for (auto [link, code] : codes) a.set(link, Coding{"urn:t", code, ""});
  return a;
}

}  // namespace

TEST_CASE("identity: url required to deploy, a version derived from the content, a canonical digest") {
  json doc = base();
  Questionnaire q = parse(doc);
  CHECK(q.deployable());
  CHECK(q.key() == "urn:t:q|1");
  CHECK(q.digest().size() == 64);
  // The digest ignores key order and white space, and changes with content.
  CHECK(parse(json::parse(doc.dump(2))).digest() == q.digest());
  json edited = doc;
  edited["item"][0]["text"] = "changed";
  CHECK(parse(edited).digest() != q.digest());

  json unversioned = doc;
  unversioned.erase("version");
  unversioned.erase("url");
  Questionnaire u = parse(unversioned);
  CHECK(u.version_derived());
  CHECK(u.version().rfind("content-", 0) == 0);
  CHECK_FALSE(u.deployable());
  REQUIRE(u.deploy_problems().size() == 1);
  CHECK(u.deploy_problems()[0].find("url: is missing") != std::string::npos);
  json unversioned2 = unversioned;
  unversioned2["item"][0]["text"] = "changed";
  CHECK(parse(unversioned2).version() != u.version());
}

TEST_CASE("every error of a file in one run") {
  json doc = base();
  doc["item"][0]["type"] = "nonsense";
  doc["item"][1]["required"] = "yes";
  doc["item"].push_back({{"linkId", "d"}, {"type", "display"}, {"required", true}});
  auto check = check_questionnaire(doc.dump(), "t.json");
  CHECK_FALSE(check.questionnaire.has_value());
  REQUIRE(check.errors.size() == 3);
  CHECK(check.errors[0].find("item 'a': type 'nonsense'") != std::string::npos);
  CHECK(check.errors[1].find("item 'b': required is not a boolean") != std::string::npos);
  CHECK(check.errors[2].find("item 'd': a display item cannot be required") != std::string::npos);
}

TEST_CASE("weights on valueCoding, in a contained ValueSet with translations, help text, rendering-xhtml") {
  json doc = base();
  doc["contained"] = {{{"resourceType", "ValueSet"},
                       {"id", "yn"},
                       {"compose",
                        {{"include",
                          {{{"system", "urn:yn"},
                            {"concept",
                             {{{"code", "n"}, {"display", "No"}, {"designation", {{{"language", "es"}, {"value", "No"}}}},
                               {"extension", {{{"url", kOrdinal}, {"valueDecimal", 0}}}}},
                              {{"code", "y"}, {"display", "Yes"}, {"designation", {{{"language", "es"}, {"value", "Sí"}}}},
                               {"extension", {{{"url", kOrdinal}, {"valueDecimal", 10}}}}}}}}}}}}}};
  doc["item"].push_back({{"linkId", "c"},
                         {"type", "choice"},
                         {"_text", {{"extension", {{{"url", "http://hl7.org/fhir/StructureDefinition/rendering-xhtml"},
                                                    {"valueString", "<div><b>Bold</b> &amp; <i>more</i></div>"}}}}}},
                         {"answerValueSet", "#yn"},
                         {"item", {{{"linkId", "c-help"}, {"type", "display"}, {"text", "Pick one."}}}}});
  Questionnaire q = parse(doc);
  const Item* c = q.find("c");
  REQUIRE(c != nullptr);
  CHECK(c->text.base == "Bold & more");
  CHECK(c->help.base == "Pick one.");
  REQUIRE(c->options.size() == 2);
  CHECK(c->options[1].display.in("es") == "Sí");
  Answers a = answers({{"a", "2"}, {"b", "1"}});
  a.set("c", Coding{"urn:yn", "y", ""});
  auto r = assess(q, a);
  REQUIRE(r.ok());
  CHECK(r->score == 17);  // 2 (valueCoding iso21090-CO-value) + 5 + 10 (ValueSet ordinalValue)
}

TEST_CASE("hidden and calculated items are never shown or answered, the computed total fills the total item") {
  json doc = base();
  doc["item"].push_back({{"linkId", "secret"}, {"type", "display"}, {"text", "staff note"},
                         {"extension", {{{"url", "http://hl7.org/fhir/StructureDefinition/questionnaire-hidden"},
                                         {"valueBoolean", true}}}}});
  doc["item"].push_back({{"linkId", "total"}, {"type", "quantity"}, {"text", "Total"},
                         {"code", {{{"system", "urn:t"}, {"code", "total"}}}},
                         {"extension", {{{"url", kCalc},
                                         {"valueExpression", {{"language", "text/fhirpath"},
                                                              {"expression", "answers().sum(value.ordinal())"}}}}}}});
  Questionnaire q = parse(doc);
  CHECK(q.scoring().method == Scoring::Method::expression);
  REQUIRE(q.total_item() != nullptr);
  CHECK(q.total_item()->link_id == "total");
  Answers a = answers({{"a", "1"}, {"b", "1"}});
  std::vector<std::string> shown;
  for (const Item* p : pages(q, a)) shown.push_back(p->link_id);
  CHECK(shown == std::vector<std::string>{"a", "b"});
  auto r = assess(q, a);
  REQUIRE(r.ok());
  CHECK(r->score == 6);
  json response = to_response(q, a, *r, ResponseMeta{"en", "", ""});
  bool found = false;
  for (const auto& item : response["item"]) {
    if (item["linkId"] == "total") {
      found = true;
      CHECK(item["answer"][0]["valueQuantity"]["value"] == 6);
    }
  }
  CHECK(found);
  Answers typed = a;
  typed.set("total", std::int64_t{99});
  auto refused = assess(q, typed);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message().find("item 'total': is calculated") != std::string::npos);
}

TEST_CASE("a total the engine cannot evaluate is 'not computed', never a plausible number") {
  json doc = base();
  doc["item"].push_back({{"linkId", "total"}, {"type", "decimal"}, {"readOnly", true},
                         {"extension", {{{"url", kCalc},
                                         {"valueExpression", {{"language", "text/cql"}, {"expression", "Score"}}}}}}});
  auto check = check_questionnaire(doc.dump(), "t.json");
  REQUIRE(check.questionnaire.has_value());
  CHECK(check.questionnaire->scoring().method == Scoring::Method::none);
  bool warned = false;
  for (const auto& w : check.warnings) warned = warned || w.find("text/cql") != std::string::npos;
  CHECK(warned);
  auto r = assess(*check.questionnaire, answers({{"a", "2"}, {"b", "1"}}));
  REQUIRE(r.ok());
  CHECK_FALSE(r->score_computed);
  CHECK(assessment_json(*r)["score"].is_null());

  // An expression outside the subset: the same.
  doc["item"][2]["extension"][0]["valueExpression"] = {{"language", "text/fhirpath"},
                                                       {"expression", "item.descendants().count()"}};
  auto unsupported = check_questionnaire(doc.dump(), "t.json");
  REQUIRE(unsupported.questionnaire.has_value());
  CHECK(unsupported.questionnaire->scoring().method == Scoring::Method::none);
}
