#include "config/crisis_rules_toml.h"

#include <cmath>

#include <toml++/toml.h>

#include "config/toml_errors.h"
#include "kiosk/file_read.h"

namespace outpost {

namespace {

Status read_text(std::string_view source, const toml::node& n, const std::string& key, std::string& out) {
  const auto* s = n.as_string();
  if (s == nullptr) return toml_wrong_type(source, n, key, "a string");
  if (s->get().empty()) return toml_error(source, &n, key, "must not be empty");
  out = s->get();
  return Status::Ok();
}

Status parse_rule(std::string_view source, const toml::node& n, const std::string& key, CrisisRule& out) {
  const auto* t = n.as_table();
  if (t == nullptr) return toml_wrong_type(source, n, key, "a table ([[rule]])");
  CrisisRule rule;
  bool has_threshold = false;
  for (auto&& [k, v] : *t) {
    const std::string_view name = k.str();
    const std::string item_key = key + "." + std::string(name);
    Status s;
    if (name == "system") {
      s = read_text(source, v, item_key, rule.system);
    } else if (name == "code") {
      s = read_text(source, v, item_key, rule.code);
    } else if (name == "questionnaire") {
      s = read_text(source, v, item_key, rule.questionnaire);
    } else if (name == "link_id") {
      s = read_text(source, v, item_key, rule.link_id);
    } else if (name == "note") {
      s = read_text(source, v, item_key, rule.note);
    } else if (name == "at_or_above") {
      std::optional<double> value = v.value<double>();  // an integer or a float
      if (!v.is_number() || !value) {
        s = toml_wrong_type(source, v, item_key, "a number (an answer weight)");
      } else if (!std::isfinite(*value)) {
        s = toml_error(source, &v, item_key, "must be a finite number");
      } else {
        rule.at_or_above = *value;
        has_threshold = true;
      }
    } else {
      s = toml_error(source, &v, item_key, "unknown key");
    }
    if (!s.ok()) return s;
  }
  const bool by_code = !rule.system.empty() || !rule.code.empty();
  const bool by_item = !rule.questionnaire.empty() || !rule.link_id.empty();
  if (by_code && by_item) {
    return toml_error(source, &n, key,
                      "matches either by code (system, code) or by questionnaire and link_id, not both");
  }
  if (!by_code && !by_item) {
    return toml_error(source, &n, key, "needs system and code, or questionnaire and link_id");
  }
  if (by_code && rule.system.empty()) return toml_error(source, &n, key + ".system", "is missing");
  if (by_code && rule.code.empty()) return toml_error(source, &n, key + ".code", "is missing");
  if (by_item && rule.questionnaire.empty())
    return toml_error(source, &n, key + ".questionnaire", "is missing");
  if (by_item && rule.link_id.empty()) return toml_error(source, &n, key + ".link_id", "is missing");
  if (!has_threshold) return toml_error(source, &n, key + ".at_or_above", "is missing");
  rule.where = std::string(source) + ":" + std::to_string(n.source().begin.line);
  out = std::move(rule);
  return Status::Ok();
}

bool same_match(const CrisisRule& a, const CrisisRule& b) {
  return a.system == b.system && a.code == b.code && a.questionnaire == b.questionnaire &&
         a.link_id == b.link_id;
}

}  // namespace

Result<CrisisRules> parse_crisis_rules(std::string_view toml_text, std::string_view source) {
  toml::table t;
  try {
    t = toml::parse(toml_text, source);
  } catch (const toml::parse_error& e) {
    return toml_syntax_error(source, e);
  }
  std::vector<CrisisRule> rules;
  for (auto&& [k, v] : t) {
    if (k.str() != "rule") {
      return toml_error(source, &v, k.str(),
                        v.is_table() ? "unknown table [" + std::string(k.str()) + "]" : "unknown key");
    }
    const auto* arr = v.as_array();
    if (arr == nullptr) return toml_wrong_type(source, v, "rule", "an array of tables ([[rule]])");
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const std::string key = "rule[" + std::to_string(i) + "]";
      CrisisRule rule;
      if (Status s = parse_rule(source, *arr->get(i), key, rule); !s.ok()) return s;
      for (std::size_t j = 0; j < rules.size(); ++j) {
        if (same_match(rules[j], rule)) {
          return toml_error(
              source, arr->get(i), key,
              "matches the same item as rule[" + std::to_string(j) + "] (" + rules[j].where + ")");
        }
      }
      rules.push_back(std::move(rule));
    }
  }
  return CrisisRules(std::move(rules));
}

Result<CrisisRules> load_crisis_rules(const std::filesystem::path& file) {
  auto text = read_file_checked(file, kMaxCrisisRulesBytes, "crisis rules file");
  if (!text.ok()) return text.status();
  return parse_crisis_rules(*text, file.string());
}

std::filesystem::path crisis_rules_file(const SiteConfig& config, const std::filesystem::path& shipped_file) {
  return config.crisis_rules_file.empty() ? shipped_file : config.crisis_rules_file;
}

}  // namespace outpost
