#include "kiosk/crisis_rules.h"

#include <algorithm>
#include <sstream>

namespace outpost {

namespace {

constexpr const char* kLoinc = "http://loinc.org";

// The item codes known to ask about suicide or self-harm. Only codes checked
// against the published instrument belong here; a guessed code would warn
// about the wrong item, or hide a missing rule.
struct KnownRisk {
  const char* system;
  const char* code;
  const char* what;
};
constexpr KnownRisk kKnownRisks[] = {
    {kLoinc, "44260-8", "PHQ-9 item 9 (thoughts of being better off dead or of hurting oneself)"},
};

bool coded(const Item& item, std::string_view system, std::string_view code) {
  if (item.has_code(system, code)) return true;
  // Some published files leave out the system; scoring reads those as LOINC.
  return system == kLoinc && item.has_code("", code);
}

bool weighted_choice(const Item& item) {
  if (item.type != ItemType::choice || item.options.empty()) return false;
  return std::all_of(item.options.begin(), item.options.end(),
                     [](const auto& o) { return o.weight.has_value(); });
}

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

std::string CrisisRule::describe() const {
  if (by_code()) return (system == kLoinc ? std::string("LOINC") : system) + " " + code;
  return questionnaire + " item '" + link_id + "'";
}

bool CrisisRule::matches(const Questionnaire& q, const Item& item) const {
  if (by_code()) return coded(item, system, code);
  return !questionnaire.empty() && q.url() == questionnaire && item.link_id == link_id;
}

const char* CriticalItem::source() const {
  if (extension && rule) return "extension and rule";
  return rule ? "rule" : "extension";
}

CrisisRules CrisisRules::defaults() {
  CrisisRule phq9_item9;
  phq9_item9.system = kLoinc;
  phq9_item9.code = "44260-8";
  phq9_item9.at_or_above = 1;
  phq9_item9.note = "PHQ-9 item 9: thoughts that you would be better off dead or of hurting yourself";
  phq9_item9.where = "built-in";
  return CrisisRules({phq9_item9});
}

CrisisReport CrisisRules::apply(Questionnaire& q) const {
  CrisisReport report;
  // Decide first, then change q: set_critical works by linkId, and the
  // pointers from flatten() are only read.
  std::vector<std::pair<std::string, double>> marks;
  for (const Item* item : q.flatten()) {
    CriticalItem c;
    c.link_id = item->link_id;
    c.extension = item->critical_at_or_above;
    const CrisisRule* lowest = nullptr;
    for (const CrisisRule& rule : rules_) {
      if (!rule.matches(q, *item)) continue;
      if (!item->answerable() || !weighted_choice(*item)) {
        report.problems.push_back("item '" + item->link_id + "': crisis rule " + rule.where + " (" +
                                  rule.describe() +
                                  ") matches, but the item is not a question with a weight on every answer "
                                  "option; the rule cannot mark it critical");
        continue;
      }
      if (!lowest || rule.at_or_above < lowest->at_or_above) lowest = &rule;
    }
    if (lowest) {
      c.rule = lowest->at_or_above;
      c.rule_where = lowest->where + " (" + lowest->describe() + ")";
    }
    if (!c.extension && !c.rule) continue;
    c.at_or_above = std::min(c.extension.value_or(*c.rule), c.rule.value_or(*c.extension));
    if (c.rule && c.at_or_above != c.extension) marks.emplace_back(c.link_id, c.at_or_above);
    report.critical.push_back(std::move(c));
  }
  for (const auto& [link_id, at_or_above] : marks) {
    // Checked above: a weighted choice, so this cannot fail.
    if (!q.set_critical(link_id, at_or_above)) {
      report.problems.push_back("item '" + link_id + "': could not be marked critical at " +
                                number(at_or_above));
    }
  }
  // A url rule whose linkId is not there is a typo or a changed file: say so.
  for (const CrisisRule& rule : rules_) {
    if (rule.by_code() || rule.questionnaire != q.url() || q.find(rule.link_id) != nullptr) continue;
    report.problems.push_back("crisis rule " + rule.where + " (" + rule.describe() +
                              ") names an item this questionnaire does not have");
  }
  return report;
}

std::string RiskItem::warning() const {
  return "item '" + link_id + "' (" + code + ") is " + what +
         ", and no crisis rule or extension marks it critical: such an answer will not start the crisis path";
}

std::vector<RiskItem> uncovered_risk_items(const Questionnaire& q) {
  std::vector<RiskItem> out;
  for (const Item* item : q.flatten()) {
    if (!item->answerable() || item->critical_at_or_above) continue;
    for (const KnownRisk& risk : kKnownRisks) {
      if (!coded(*item, risk.system, risk.code)) continue;
      const std::string system = risk.system == std::string_view(kLoinc) ? "LOINC" : risk.system;
      out.push_back({item->link_id, system + " " + risk.code, risk.what});
      break;
    }
  }
  return out;
}

}  // namespace outpost
