// A small FHIRPath evaluator for the scoring expressions real Questionnaires
// carry (SDC calculatedExpression and variable extensions; docs/design.md,
// "Questionnaire profile", Scoring). Supported: paths with FHIR choice types
// (`value` finds valueCoding, valueInteger, ...), where(), select(),
// exists(), empty(), not(), count(), first(), last(), sum([expr]), iif(),
// the SDC functions answers(), ordinal() and weight(), %resource,
// %questionnaire, %context, named variables, $this, string, number and
// boolean literals, {}, and the operators + - * / = != < > <= >= and or xor.
// Anything else is a parse error naming what is unsupported, so a
// questionnaire whose score needs more is told "score not computed", never
// scored wrong. Checked against the reference engine (npm `fhirpath`) in
// tests/kiosk/fhirpath_oracle_test.sh.
//
// Pure; an Expression is immutable and may be shared between threads.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kiosk/result.h"

namespace outpost::fhirpath {

using Collection = std::vector<nlohmann::json>;

struct Node;  // the parsed expression (fhirpath.cpp)
struct Environment;
class Expression;
using Collection = std::vector<nlohmann::json>;
Result<Collection> evaluate(const Expression& e, const nlohmann::json& context, const Environment& env);

class Expression {
 public:
  // Errc::invalid_questionnaire naming the position and what is wrong.
  static Result<Expression> parse(std::string_view text);
  const std::string& text() const { return text_; }

 private:
  friend class Evaluator;
  friend Result<Collection> evaluate(const Expression& e, const nlohmann::json& context, const Environment& env);
  std::string text_;
  std::shared_ptr<const Node> root_;
};

struct Environment {
  const nlohmann::json* resource = nullptr;       // %resource: the QuestionnaireResponse
  const nlohmann::json* questionnaire = nullptr;  // %questionnaire
  std::map<std::string, Collection, std::less<>> variables;  // %name
  // ordinal()/weight(): the weight of `code` (in `system`) as an answer to
  // the item `link_id` ("" when not known); nullopt when it has none.
  std::function<std::optional<double>(std::string_view link_id, std::string_view system, std::string_view code)>
      weight_of;
};

// Evaluates `e` with `context` as the focus. Errc::invalid_argument when the
// expression does something the data does not allow (e.g. adding a string
// to a number).
Result<Collection> evaluate(const Expression& e, const nlohmann::json& context, const Environment& env);

}  // namespace outpost::fhirpath
