// Crisis rules (kiosk/crisis_rules.*): matching by code and by url+linkId,
// how they combine with the file's extension, what they cannot apply, and
// the known suicide-risk items nothing covers.
#include "kiosk/crisis_rules.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

using namespace outpost;
using nlohmann::json;

namespace {

constexpr const char* kWeight = "http://hl7.org/fhir/StructureDefinition/itemWeight";

// A PHQ-9-like choice item, weights 0..3; `code` as {system, code} or none.
json item(const std::string& link, const json& code, bool weighted = true) {
  json opts = json::array();
  for (int w = 0; w <= 3; ++w) {
    json o = {
        {"valueCoding", {{"system", "urn:t"}, {"code", std::to_string(w)}, {"display", std::to_string(w)}}}};
    if (weighted) o["extension"] = {{{"url", kWeight}, {"valueDecimal", w}}};
    opts.push_back(o);
  }
  json it = {{"linkId", link}, {"type", "choice"}, {"text", link}, {"answerOption", opts}};
  if (!code.is_null()) it["code"] = json::array({code});
  return it;
}

json loinc(const char* code) {
  return {{"system", "http://loinc.org"}, {"code", code}};
}

json doc(json items, const char* url = "urn:t:q") {
  return {{"resourceType", "Questionnaire"}, {"url", url}, {"version", "1"}, {"item", std::move(items)}};
}

Questionnaire parse(const json& d) {
  auto q = Questionnaire::from_json(d, "t.json");
  REQUIRE_MESSAGE(q.ok(), q.status().to_string());
  return std::move(q).value();
}

// Every item answered with weight `w`; `item9` with `w9`.
Answers all(const Questionnaire& q, int w, const std::string& item9 = "", int w9 = 0) {
  Answers a;
  for (const Item* it : q.flatten()) {
    if (it->type != ItemType::choice) continue;
    a.set(it->link_id, Coding{"urn:t", std::to_string(it->link_id == item9 ? w9 : w), ""});
  }
  return a;
}

std::vector<std::string> critical_items(const Questionnaire& q, const Answers& a) {
  auto r = assess(q, a);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return r->critical_items;
}

CrisisRule by_url(const char* url, const char* link, double at) {
  CrisisRule r;
  r.questionnaire = url;
  r.link_id = link;
  r.at_or_above = at;
  r.where = "test";
  return r;
}

}  // namespace

TEST_CASE("the built-in rule marks a LOINC 44260-8 item critical at weight 1, and only that item") {
  Questionnaire q = parse(doc({item("q1", loinc("44250-9")), item("q9", loinc("44260-8"))}));
  CHECK(critical_items(q, all(q, 3)).empty());  // nothing without a rule

  CrisisReport report = CrisisRules::defaults().apply(q);
  CHECK(report.problems.empty());
  REQUIRE(report.critical.size() == 1);
  CHECK(report.critical[0].link_id == "q9");
  CHECK(report.critical[0].at_or_above == 1);
  CHECK(std::string(report.critical[0].source()) == "rule");
  CHECK(critical_items(q, all(q, 3, "q9", 0)).empty());
  CHECK(critical_items(q, all(q, 0, "q9", 1)) == std::vector<std::string>{"q9"});
  CHECK(assess(q, all(q, 0, "q9", 3))->flags == std::vector<std::string>{"critical"});
}

TEST_CASE("a code without a system counts as LOINC, as in scoring") {
  Questionnaire q = parse(doc({item("q9", {{"code", "44260-8"}})}));
  CHECK(CrisisRules::defaults().apply(q).critical.size() == 1);
  CHECK(critical_items(q, all(q, 1)) == std::vector<std::string>{"q9"});
  // Another system is another code.
  Questionnaire other = parse(doc({item("q9", {{"system", "urn:other"}, {"code", "44260-8"}})}));
  CHECK(CrisisRules::defaults().apply(other).critical.empty());
}

TEST_CASE("a url + linkId rule marks that item of that questionnaire only") {
  const CrisisRules rules({by_url("urn:t:q", "H1/Q9", 2)});
  Questionnaire q = parse(doc({item("H1/Q1", nullptr), item("H1/Q9", nullptr)}));
  CrisisReport report = rules.apply(q);
  REQUIRE(report.critical.size() == 1);
  CHECK(report.critical[0].link_id == "H1/Q9");
  CHECK(report.critical[0].rule_where == "test (urn:t:q item 'H1/Q9')");
  CHECK(critical_items(q, all(q, 0, "H1/Q9", 1)).empty());
  CHECK(critical_items(q, all(q, 0, "H1/Q9", 2)) == std::vector<std::string>{"H1/Q9"});

  Questionnaire elsewhere = parse(doc({item("H1/Q9", nullptr)}, "urn:t:other"));
  CHECK(rules.apply(elsewhere).critical.empty());
  CHECK(critical_items(elsewhere, all(elsewhere, 3)).empty());
}

TEST_CASE("with the file's extension too, the lower threshold wins") {
  auto with_extension = [](double at) {
    json it = item("q9", loinc("44260-8"));
    it["extension"] = {{{"url", "urn:outpost:critical-at-or-above"}, {"valueDecimal", at}}};
    return parse(doc({it}));
  };
  Questionnaire stricter_rule = with_extension(3);
  CrisisReport a = CrisisRules::defaults().apply(stricter_rule);
  REQUIRE(a.critical.size() == 1);
  CHECK(a.critical[0].at_or_above == 1);
  CHECK(a.critical[0].extension == 3);
  CHECK(std::string(a.critical[0].source()) == "extension and rule");
  CHECK(critical_items(stricter_rule, all(stricter_rule, 1)) == std::vector<std::string>{"q9"});

  Questionnaire stricter_file = with_extension(1);
  CrisisReport b = CrisisRules({by_url("urn:t:q", "q9", 3)}).apply(stricter_file);
  REQUIRE(b.critical.size() == 1);
  CHECK(b.critical[0].at_or_above == 1);
  CHECK(critical_items(stricter_file, all(stricter_file, 1)) == std::vector<std::string>{"q9"});

  // Extension only: reported, not changed.
  Questionnaire only = with_extension(2);
  CrisisReport c = CrisisRules().apply(only);
  REQUIRE(c.critical.size() == 1);
  CHECK(std::string(c.critical[0].source()) == "extension");
  CHECK(critical_items(only, all(only, 1)).empty());
}

TEST_CASE("two rules on one item: the lower threshold") {
  CrisisRule code_rule = CrisisRules::defaults().rules()[0];
  code_rule.at_or_above = 3;
  Questionnaire q = parse(doc({item("q9", loinc("44260-8"))}));
  CrisisReport r = CrisisRules({code_rule, by_url("urn:t:q", "q9", 2)}).apply(q);
  REQUIRE(r.critical.size() == 1);
  CHECK(r.critical[0].at_or_above == 2);
  CHECK(critical_items(q, all(q, 2)) == std::vector<std::string>{"q9"});
}

TEST_CASE("a rule it cannot apply is a problem, and the risk item stays uncovered") {
  Questionnaire q = parse(doc({item("q9", loinc("44260-8"), /*weighted=*/false)}));
  CrisisReport r = CrisisRules::defaults().apply(q);
  CHECK(r.critical.empty());
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].find("item 'q9'") == 0);
  CHECK(r.problems[0].find("built-in (LOINC 44260-8)") != std::string::npos);
  auto risks = uncovered_risk_items(q);
  REQUIRE(risks.size() == 1);
  CHECK(risks[0].link_id == "q9");
  CHECK(risks[0].code == "LOINC 44260-8");
}

TEST_CASE("a url rule naming a linkId the questionnaire lacks is a problem") {
  Questionnaire q = parse(doc({item("q1", nullptr)}));
  CrisisReport r = CrisisRules({by_url("urn:t:q", "q9", 1)}).apply(q);
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].find("urn:t:q item 'q9'") != std::string::npos);
  CHECK(r.problems[0].find("does not have") != std::string::npos);
}

TEST_CASE("uncovered risk items: listed without rules, gone once a rule applies") {
  Questionnaire q = parse(doc({item("q1", loinc("44250-9")), item("q9", loinc("44260-8"))}));
  auto before = uncovered_risk_items(q);
  REQUIRE(before.size() == 1);
  CHECK(before[0].link_id == "q9");
  CHECK(before[0].warning().find("item 'q9' (LOINC 44260-8)") == 0);
  (void)CrisisRules::defaults().apply(q);
  CHECK(uncovered_risk_items(q).empty());
}

TEST_CASE("applying rules changes neither the digest nor the key") {
  json d = doc({item("q9", loinc("44260-8"))});
  d.erase("version");  // a derived version comes from the digest
  Questionnaire q = parse(d);
  const std::string digest = q.digest();
  const std::string key = q.key();
  const json source = q.source_json();
  REQUIRE(CrisisRules::defaults().apply(q).critical.size() == 1);
  CHECK(q.digest() == digest);
  CHECK(q.key() == key);
  CHECK(q.source_json() == source);
  CHECK(parse(d).digest() == digest);
}
