// Crisis rules: which questionnaire items are critical, kept as data apart
// from the questionnaire files (docs/design.md, "Questionnaire profile",
// Crisis rules). Real FHIR files do not carry Outpost's own
// `urn:outpost:critical-at-or-above` extension, so a standard PHQ-9 needs a
// rule (LOINC 44260-8 >= 1) to start the crisis path.
//
// Pure C++: no I/O. The TOML file format is read by config/crisis_rules_toml.h.
// A CrisisRules is an immutable value; apply() changes only the Questionnaire
// it is given (never its digest, which is of the file).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/questionnaire.h"

namespace outpost {

// One rule: an item matched either by its code (system + code, e.g.
// http://loinc.org 44260-8, in any questionnaire) or by a questionnaire's
// canonical url and the item's linkId (for files whose items carry no
// codes). An answer whose weight is at least `at_or_above` is critical.
struct CrisisRule {
  std::string system, code;            // by code
  std::string questionnaire, link_id;  // by url + linkId
  double at_or_above = 1;
  std::string note;   // for people: what the item is
  std::string where;  // where the rule was written, e.g. "crisis-rules.toml:3"; "built-in"

  bool by_code() const { return !code.empty(); }
  // "LOINC 44260-8" or "<url> item '<linkId>'", for messages.
  std::string describe() const;
  // By code: the item has the code; an item code without a system counts
  // as LOINC (as in scoring). By url: q's url and the item's linkId match.
  bool matches(const Questionnaire& q, const Item& item) const;
};

// One critical item after apply(): its threshold and where it came from.
struct CriticalItem {
  std::string link_id;
  double at_or_above = 0;           // the threshold in force: the lowest of the two below
  std::optional<double> extension;  // the file's urn:outpost:critical-at-or-above
  std::optional<double> rule;       // the lowest threshold of the rules that matched
  std::string rule_where;           // that rule's where + describe(), e.g. "built-in (LOINC 44260-8)"
  // "extension", "rule" or "extension and rule".
  const char* source() const;
};

struct CrisisReport {
  std::vector<CriticalItem> critical;  // every critical item, document order
  // A rule that matched an item it cannot apply (not a choice with a weight
  // on every option), or a url rule naming a linkId the questionnaire does
  // not have: "item 'X': ..." (callers prefix the file name).
  std::vector<std::string> problems;
};

class CrisisRules {
 public:
  CrisisRules() = default;  // no rules
  explicit CrisisRules(std::vector<CrisisRule> rules) : rules_(std::move(rules)) {}
  // Built in: LOINC 44260-8 (PHQ-9 item 9) at or above 1. The shipped
  // config/crisis-rules.toml holds these and more.
  static CrisisRules defaults();

  const std::vector<CrisisRule>& rules() const { return rules_; }
  bool empty() const { return rules_.empty(); }

  // Marks every matching choice item with weighted options critical. Where
  // the file's extension already marks the item, or several rules match, the
  // lowest threshold wins: a lower threshold flags more answers, and a rule
  // meant to catch risk must not be weakened by a file, nor the file's by a
  // rule. Call once, on a questionnaire as parsed.
  CrisisReport apply(Questionnaire& q) const;

 private:
  std::vector<CrisisRule> rules_;
};

// An item whose code is a known suicide-risk item.
struct RiskItem {
  std::string link_id;
  std::string code;  // e.g. "LOINC 44260-8"
  std::string what;  // e.g. "PHQ-9 item 9 (thoughts of being better off dead or of hurting oneself)"
  // "item 'X' (LOINC 44260-8) is PHQ-9 item 9 (...), and no crisis rule or
  // extension marks it critical"
  std::string warning() const;
};
// The answerable items coded as a known suicide-risk item (today LOINC
// 44260-8, PHQ-9 item 9) that nothing marks critical: no extension, no
// rule, or a rule that could not be applied. Run after apply().
std::vector<RiskItem> uncovered_risk_items(const Questionnaire& q);

}  // namespace outpost
