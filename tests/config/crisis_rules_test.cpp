// The crisis rules file (config/crisis_rules_toml.*), the shipped
// config/crisis-rules.toml, [crisis] rules_file in the site config, and the
// shipped rules on the public questionnaires in ../shared/fhir-questionnaires
// (read from there, never copied into the project).
#include "config/crisis_rules_toml.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "config/site_config.h"
#include "kiosk/crisis_rules.h"

using namespace outpost;
namespace fs = std::filesystem;

namespace {

std::string error_of(std::string_view toml) {
  Result<CrisisRules> r = parse_crisis_rules(toml, "rules.toml");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Errc::invalid_config);
  return r.status().message();
}

const fs::path kShippedRules = fs::path(OUTPOST_SOURCE_DIR) / "config/crisis-rules.toml";
const fs::path kShared = fs::path(OUTPOST_SOURCE_DIR) / "../shared/fhir-questionnaires";

CrisisRules shipped_rules() {
  Result<CrisisRules> r = load_crisis_rules(kShippedRules);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return std::move(r).value();
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// PHQ-9 item 9, found by its published wording (not by code or linkId, so
// a file the rules miss is still found).
const Item* item9(const Questionnaire& q) {
  for (const Item* it : q.flatten()) {
    if (it->answerable() && it->text.base.find("better off dead") != std::string::npos) return it;
  }
  return nullptr;
}

// Every enabled choice question answered with its lowest weight, item 9
// with the lowest weight >= 1 (as "Several days").
Answers answer(const Questionnaire& q, const Item& nine) {
  Answers a;
  for (bool changed = true; changed;) {
    changed = false;
    for (const Item* it : pages(q, a)) {
      if (!it->answerable() || it->type != ItemType::choice || a.get(it->link_id)) continue;
      const AnswerOption* pick = nullptr;
      for (const auto& o : it->options) {
        const double w = o.weight.value_or(0);
        if (it == &nine && w < 1) continue;
        if (!pick || w < pick->weight.value_or(0)) pick = &o;
      }
      REQUIRE(pick != nullptr);
      a.set(it->link_id, pick->coding);
      changed = true;
    }
  }
  return a;
}

}  // namespace

TEST_CASE("the shipped rules file parses and holds the built-in PHQ-9 item 9 rule") {
  CrisisRules rules = shipped_rules();
  const CrisisRules defaults = CrisisRules::defaults();
  const CrisisRule& builtin = defaults.rules().at(0);
  bool found = false;
  for (const CrisisRule& r : rules.rules()) {
    if (r.system == builtin.system && r.code == builtin.code && r.at_or_above <= builtin.at_or_above)
      found = true;
  }
  CHECK(found);
  CHECK(builtin.system == "http://loinc.org");
  CHECK(builtin.code == "44260-8");
  CHECK(builtin.at_or_above == 1);
  // Each rule says where it was written.
  CHECK(rules.rules().at(0).where.find("crisis-rules.toml:") != std::string::npos);
}

TEST_CASE(
    "a rules file: both forms, notes, integer or fractional thresholds, and an empty file has no rules") {
  auto r = parse_crisis_rules(
      "[[rule]]\nsystem = \"http://loinc.org\"\ncode = \"44260-8\"\nat_or_above = 1\nnote = \"PHQ-9 item "
      "9\"\n"
      "\n[[rule]]\nquestionnaire = \"urn:q\"\nlink_id = \"H1/Q9\"\nat_or_above = 1.5\n",
      "rules.toml");
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  REQUIRE(r->rules().size() == 2);
  CHECK(r->rules()[0].by_code());
  CHECK(r->rules()[0].note == "PHQ-9 item 9");
  CHECK(r->rules()[0].where == "rules.toml:1");
  CHECK_FALSE(r->rules()[1].by_code());
  CHECK(r->rules()[1].link_id == "H1/Q9");
  CHECK(r->rules()[1].at_or_above == 1.5);
  CHECK(r->rules()[1].where == "rules.toml:7");
  auto none = parse_crisis_rules("# no rules\n", "rules.toml");
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("rules file errors name the file, the line and the key") {
  CHECK(error_of("[[rule]]\nsystem = \"http://loinc.org\"\ncode = \"44260-8\"\nat_or_abve = 1\n") ==
        "rules.toml:4: rule[0].at_or_abve: unknown key");
  CHECK(error_of("[rules]\n") == "rules.toml:1: rules: unknown table [rules]");
  CHECK(error_of("threshold = 1\n") == "rules.toml:1: threshold: unknown key");
  CHECK(error_of("rule = 1\n").find("rules.toml:1: rule: must be an array of tables") == 0);
  CHECK(error_of("[[rule]]\nsystem = \"http://loinc.org\"\ncode = \"44260-8\"\n") ==
        "rules.toml:1: rule[0].at_or_above: is missing");
  CHECK(error_of("[[rule]]\nsystem = \"http://loinc.org\"\nat_or_above = 1\n") ==
        "rules.toml:1: rule[0].code: is missing");
  CHECK(error_of("[[rule]]\nquestionnaire = \"urn:q\"\nat_or_above = 1\n") ==
        "rules.toml:1: rule[0].link_id: is missing");
  CHECK(error_of("[[rule]]\nat_or_above = 1\n").find("rules.toml:1: rule[0]: needs system and code") == 0);
  CHECK(
      error_of(
          "[[rule]]\ncode = \"x\"\nsystem = \"s\"\nlink_id = \"q\"\nquestionnaire = \"u\"\nat_or_above = 1\n")
          .find("not both") != std::string::npos);
  CHECK(error_of("[[rule]]\nsystem = \"s\"\ncode = \"c\"\nat_or_above = \"1\"\n") ==
        "rules.toml:4: rule[0].at_or_above: must be a number (an answer weight), got a string");
  CHECK(error_of("[[rule]]\nsystem = \"s\"\ncode = \"c\"\nat_or_above = nan\n") ==
        "rules.toml:4: rule[0].at_or_above: must be a finite number");
  CHECK(error_of("[[rule]]\nsystem = \"\"\ncode = \"c\"\nat_or_above = 1\n") ==
        "rules.toml:2: rule[0].system: must not be empty");
  CHECK(error_of("[[rule]]\nsystem = \"s\"\ncode = \"c\"\nat_or_above = 1\n[[rule]]\nsystem = \"s\"\ncode = "
                 "\"c\"\nat_or_above = 2\n")
            .find("rules.toml:5: rule[1]: matches the same item as rule[0] (rules.toml:1)") == 0);
  CHECK(error_of("[[rule]\n").find("rules.toml:1: ") == 0);
}

TEST_CASE("a rules file that cannot be read is an error naming it, never no rules") {
  auto missing = load_crisis_rules("/nonexistent/crisis-rules.toml");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("/nonexistent/crisis-rules.toml") != std::string::npos);
  const fs::path empty = fs::temp_directory_path() / "outpost-empty-rules.toml";
  std::ofstream(empty).close();
  auto zero = load_crisis_rules(empty);
  fs::remove(empty);
  REQUIRE_FALSE(zero.ok());
  CHECK(zero.status().message().find("is empty") != std::string::npos);
}

TEST_CASE("[crisis] rules_file: relative to the config file, empty means the shipped file") {
  auto defaults = parse_site_config("", "site.toml");
  REQUIRE(defaults.ok());
  CHECK(defaults->crisis_rules_file.empty());
  CHECK(crisis_rules_file(*defaults, "/usr/share/outpost/crisis-rules.toml") ==
        "/usr/share/outpost/crisis-rules.toml");

  const fs::path dir = fs::temp_directory_path() / "outpost-rules-config";
  fs::create_directories(dir);
  std::ofstream(dir / "outpost.toml") << "[crisis]\nrules_file = \"site-rules.toml\"\n";
  auto loaded = load_site_config(dir / "outpost.toml");
  fs::remove_all(dir);
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().to_string());
  CHECK(loaded->crisis_rules_file == dir / "site-rules.toml");
  CHECK(crisis_rules_file(*loaded, "/shipped.toml") == dir / "site-rules.toml");

  auto bad = parse_site_config("[crisis]\nrules_file = 3\n", "site.toml");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "site.toml:2: crisis.rules_file: must be a string, got an integer");
}

TEST_CASE("public PHQ-9 files: item 9 at weight 1 is critical with the shipped rules, not without") {
  INFO(kShared.string(), " is the shared folder beside the checkout");
  REQUIRE(fs::is_directory(kShared));
  const CrisisRules shipped = shipped_rules();
  const CrisisRules none;
  int phq9_files = 0;
  for (const auto& e : fs::directory_iterator(kShared)) {
    if (e.path().extension() != ".json") continue;
    const std::string name = e.path().filename().string();
    CAPTURE(name);
    auto parsed = Questionnaire::parse(read(e.path()), name);
    if (!parsed.ok()) continue;  // rejected files (real_questionnaires_test.sh names why)
    const Item* nine = item9(*parsed);
    if (!nine) continue;
    ++phq9_files;
    Questionnaire with = *parsed;
    (void)shipped.apply(with);
    Answers a = answer(with, *with.find(nine->link_id));
    auto assessed = assess(with, a);
    REQUIRE_MESSAGE(assessed.ok(), assessed.status().to_string());
    CHECK(assessed->critical_items == std::vector<std::string>{nine->link_id});
    CHECK(assessed->flags == std::vector<std::string>{"critical"});
    CHECK(uncovered_risk_items(with).empty());

    Questionnaire without = *parsed;
    (void)none.apply(without);
    auto plain = assess(without, a);
    REQUIRE(plain.ok());
    CHECK(plain->critical_items.empty());
    CHECK(without.digest() == with.digest());
  }
  // cirg, lforms-fhir-app, rkfhir and sdc-ig (the Argonaut file is rejected).
  CHECK(phq9_files >= 4);
}

TEST_CASE("public PHQ-9 files with a LOINC-coded item 9 are flagged as uncovered without rules") {
  int coded = 0;
  for (const char* name : {"cirg-phq9.json", "lforms-fhir-app-phq9.json"}) {
    CAPTURE(name);
    auto q = Questionnaire::parse(read(kShared / name), name);
    REQUIRE_MESSAGE(q.ok(), q.status().to_string());
    auto risks = uncovered_risk_items(*q);
    REQUIRE(risks.size() == 1);
    CHECK(risks[0].link_id == item9(*q)->link_id);
    ++coded;
  }
  CHECK(coded == 2);
}
