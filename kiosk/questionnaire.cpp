// The questionnaire engine's runtime: lookups, enablement, answer checks and
// scoring. Parsing is in questionnaire_parse.cpp, FHIR responses in
// questionnaire_response.cpp.
#include "kiosk/questionnaire.h"

#include <algorithm>
#include <cmath>

#include "kiosk/fhirpath.h"
#include "kiosk/questionnaire_json.h"

namespace outpost {

namespace {

// translations[lang], else translations[primary subtag of lang]; nullptr if neither.
const std::string* find_translation(const std::map<std::string, std::string>& translations,
                                    std::string_view lang) {
  if (auto it = translations.find(std::string(lang)); it != translations.end()) return &it->second;
  if (auto dash = lang.find('-'); dash != std::string_view::npos) {
    if (auto it = translations.find(std::string(lang.substr(0, dash))); it != translations.end())
      return &it->second;
  }
  return nullptr;
}

// Overwrites a string's bytes in a way the compiler may not drop.
void zero(std::string& s) {
  volatile char* p = s.data();
  for (std::size_t i = 0; i < s.size(); ++i) p[i] = 0;
  s.clear();
}

void zero(AnswerValue& v) {
  if (auto* c = std::get_if<Coding>(&v)) {
    zero(c->system);
    zero(c->code);
    zero(c->display);
  } else if (auto* s = std::get_if<std::string>(&v)) {
    zero(*s);
  } else if (auto* d = std::get_if<Date>(&v)) {
    zero(d->iso);
  } else {
    v = false;
  }
}

template <typename T>
bool ordered(EnableOp op, const T& a, const T& b) {
  switch (op) {
    case EnableOp::eq:
      return a == b;
    case EnableOp::ne:
      return !(a == b);
    case EnableOp::gt:
      return a > b;
    case EnableOp::lt:
      return a < b;
    case EnableOp::ge:
      return a >= b;
    case EnableOp::le:
      return a <= b;
    case EnableOp::exists:
      break;
  }
  return false;
}

// `answer op expected`; values of different kinds never match.
bool compare(EnableOp op, const AnswerValue& answer, const AnswerValue& expected) {
  if (answer.index() != expected.index()) return false;
  return std::visit(
      [&](const auto& a) -> bool {
        using T = std::decay_t<decltype(a)>;
        const T& b = std::get<T>(expected);
        if constexpr (std::is_same_v<T, Coding> || std::is_same_v<T, bool>) {
          if (op == EnableOp::eq) return a == b;
          if (op == EnableOp::ne) return !(a == b);
          return false;
        } else if constexpr (std::is_same_v<T, Date>) {
          return ordered(op, a.iso, b.iso);
        } else {
          return ordered(op, a, b);
        }
      },
      answer);
}

// Enablement of every item for one set of answers, memoized so that chains of
// enableWhen cost linear time. Parse rejects cycles, so recursion ends.
class Enablement {
 public:
  Enablement(const Questionnaire& q, const Answers& answers) : q_(q), answers_(answers) {}

  bool enabled(const Item& item) {
    if (auto it = memo_.find(item.link_id); it != memo_.end()) return it->second;
    const Item* parent = q_.parent_of(item.link_id);
    bool result = (!parent || enabled(*parent)) && conditions_hold(item);
    memo_.emplace(item.link_id, result);
    return result;
  }

 private:
  bool conditions_hold(const Item& item) {
    if (item.enable_when.empty()) return true;
    bool any = item.enable_behavior == EnableBehavior::any;
    for (const EnableWhen& ew : item.enable_when) {
      if (holds(ew) == any) return any;
    }
    return !any;
  }

  // A disabled question counts as unanswered (FHIR).
  bool holds(const EnableWhen& ew) {
    const Item* target = q_.find(ew.question);
    const AnswerValue* value = target && enabled(*target) ? answers_.get(ew.question) : nullptr;
    if (ew.op == EnableOp::exists) {
      const bool* want = std::get_if<bool>(&ew.answer);
      return want && (value != nullptr) == *want;
    }
    return value && compare(ew.op, *value, ew.answer);
  }

  const Questionnaire& q_;
  const Answers& answers_;
  std::map<std::string_view, bool> memo_;
};

}  // namespace

bool value_fits(const Item& item, const AnswerValue& v) {
  switch (item.type) {
    case ItemType::choice:
      return std::holds_alternative<Coding>(v) && qjson::resolve_option(item, std::get<Coding>(v)) != nullptr;
    case ItemType::boolean:
      return std::holds_alternative<bool>(v);
    case ItemType::integer:
      return std::holds_alternative<std::int64_t>(v);
    case ItemType::decimal:
      return std::holds_alternative<double>(v) && std::isfinite(std::get<double>(v));
    case ItemType::string:
    case ItemType::text:
      return std::holds_alternative<std::string>(v);
    case ItemType::date:
      return std::holds_alternative<Date>(v) && qjson::valid_date(std::get<Date>(v).iso);
    case ItemType::group:
    case ItemType::display:
    case ItemType::quantity:  // only ever calculated
      break;
  }
  return false;
}

namespace {

bool has_answered_descendant(const Item& group, const Answers& answers) {
  for (const Item& child : group.items) {
    if (answers.get(child.link_id) || has_answered_descendant(child, answers)) return true;
  }
  return false;
}

}  // namespace

const std::string& LocalizedText::in(std::string_view lang) const {
  const std::string* t = find_translation(translations, lang);
  return t ? *t : base;
}

const std::string& ScoreBand::label_in(std::string_view lang) const {
  const std::string* t = find_translation(label_translations, lang);
  return t ? *t : label;
}

const char* item_type_name(ItemType type) {
  switch (type) {
    case ItemType::group:
      return "group";
    case ItemType::display:
      return "display";
    case ItemType::choice:
      return "choice";
    case ItemType::boolean:
      return "boolean";
    case ItemType::integer:
      return "integer";
    case ItemType::decimal:
      return "decimal";
    case ItemType::string:
      return "string";
    case ItemType::text:
      return "text";
    case ItemType::date:
      return "date";
    case ItemType::quantity:
      return "quantity";
  }
  return "unknown";
}

bool Item::answerable() const {
  return type != ItemType::group && type != ItemType::display && type != ItemType::quantity && !hidden &&
         !read_only && !calculated;
}

bool Item::has_code(std::string_view system, std::string_view code) const {
  for (const auto& c : codes) {
    if (c.system == system && c.code == code) return true;
  }
  return false;
}

const Item* Questionnaire::total_item() const { return total_link_id_.empty() ? nullptr : find(total_link_id_); }

bool Questionnaire::set_critical(std::string_view link_id, double at_or_above) {
  auto it = paths_.find(link_id);
  if (it == paths_.end()) return false;
  std::vector<Item>* level = &items_;
  Item* item = nullptr;
  for (std::size_t index : it->second) {
    item = &(*level)[index];
    level = &item->items;
  }
  bool weighted = item->type == ItemType::choice && !item->options.empty();
  for (const auto& o : item->options) weighted = weighted && o.weight.has_value();
  if (!weighted) return false;
  item->critical_at_or_above = at_or_above;
  return true;
}

const AnswerOption* Item::find_option(const Coding& c) const {
  for (const auto& opt : options) {
    if (opt.coding == c) return &opt;
  }
  return nullptr;
}

const Item* Questionnaire::find(std::string_view link_id) const {
  auto it = paths_.find(link_id);
  if (it == paths_.end()) return nullptr;
  const std::vector<Item>* level = &items_;
  const Item* item = nullptr;
  for (std::size_t index : it->second) {
    item = &(*level)[index];
    level = &item->items;
  }
  return item;
}

const Item* Questionnaire::parent_of(std::string_view link_id) const {
  auto it = paths_.find(link_id);
  if (it == paths_.end() || it->second.size() < 2) return nullptr;
  const std::vector<Item>* level = &items_;
  const Item* item = nullptr;
  for (std::size_t i = 0; i + 1 < it->second.size(); ++i) {
    item = &(*level)[it->second[i]];
    level = &item->items;
  }
  return item;
}

std::vector<const Item*> Questionnaire::flatten() const {
  std::vector<const Item*> out;
  std::vector<std::pair<const std::vector<Item>*, std::size_t>> stack{{&items_, 0}};
  while (!stack.empty()) {
    auto& [level, next] = stack.back();
    if (next == level->size()) {
      stack.pop_back();
      continue;
    }
    const Item& item = (*level)[next++];
    out.push_back(&item);
    if (!item.items.empty()) stack.emplace_back(&item.items, 0);
  }
  return out;
}

const ScoreBand* Questionnaire::band_for(double score) const {
  for (const auto& band : bands_) {
    if (score >= static_cast<double>(band.min) && score <= static_cast<double>(band.max)) return &band;
  }
  return nullptr;
}

void Answers::set(const std::string& link_id, AnswerValue value) {
  auto it = values_.find(link_id);
  if (it == values_.end()) {
    values_.emplace(link_id, std::move(value));
    return;
  }
  zero(it->second);
  it->second = std::move(value);
}

void Answers::erase(std::string_view link_id) {
  auto it = values_.find(link_id);
  if (it == values_.end()) return;
  zero(it->second);
  values_.erase(it);
}

const AnswerValue* Answers::get(std::string_view link_id) const {
  auto it = values_.find(link_id);
  return it == values_.end() ? nullptr : &it->second;
}

void Answers::wipe() {
  for (auto& [id, value] : values_) zero(value);
  values_.clear();
}

bool is_enabled(const Questionnaire& q, const Item& item, const Answers& answers) {
  return Enablement(q, answers).enabled(item);
}

std::vector<const Item*> pages(const Questionnaire& q, const Answers& answers) {
  Enablement enablement(q, answers);
  std::vector<const Item*> out;
  for (const Item* item : q.flatten()) {
    // Calculated, hidden and read-only items are never shown; display items
    // are information pages unless hidden or empty.
    const bool info = item->type == ItemType::display && !item->hidden && !item->text.base.empty();
    if ((item->answerable() || info) && enablement.enabled(*item)) out.push_back(item);
  }
  return out;
}

bool is_critical(const Assessment& a) {
  return !a.critical_items.empty() || std::find(a.flags.begin(), a.flags.end(), "critical") != a.flags.end();
}

bool is_critical_answer(const Item& item, const AnswerValue& value) {
  const auto* coding = std::get_if<Coding>(&value);
  if (!coding || !item.critical_at_or_above) return false;
  const AnswerOption* opt = qjson::resolve_option(item, *coding);
  return opt && opt->weight && *opt->weight >= *item.critical_at_or_above;
}

void drop_disabled_answers(const Questionnaire& q, Answers& answers) {
  // Dropping one answer can disable items that depend on it: repeat until
  // nothing changes (at most once per answered item).
  for (bool changed = true; changed;) {
    changed = false;
    Enablement enablement(q, answers);
    for (const auto& [link_id, value] : answers.all()) {
      const Item* item = q.find(link_id);
      if (item && !enablement.enabled(*item)) {
        answers.erase(std::string(link_id));
        changed = true;
        break;
      }
    }
  }
}

std::optional<AnswerProblem> first_answer_problem(const Questionnaire& q, const Answers& answers) {
  auto unfit = [](const Item& item, std::string what) { return AnswerProblem{item.link_id, false, std::move(what)}; };
  Enablement enablement(q, answers);
  for (const auto& [link_id, value] : answers.all()) {
    const Item* item = q.find(link_id);
    if (!item) return AnswerProblem{link_id, false, "unknown linkId"};
    if (item->type == ItemType::group || item->type == ItemType::display) {
      return unfit(*item, std::string("is a ") + item_type_name(item->type) + " item and takes no answer");
    }
    if (!item->answerable()) {
      return unfit(*item, std::string("is ") +
                              (item->calculated ? "calculated" : item->hidden ? "hidden" : "read-only") +
                              "; its value is computed, not answered");
    }
    if (const auto* c = std::get_if<Coding>(&value);
        c && item->type == ItemType::choice && !qjson::resolve_option(*item, *c)) {
      return unfit(*item, "code '" + c->code + "' is not one of its answer options");
    }
    if (!value_fits(*item, value)) {
      return unfit(*item, std::string("answer is not a valid ") + item_type_name(item->type) + " value");
    }
    if (!enablement.enabled(*item)) return unfit(*item, "is disabled by enableWhen and must not be answered");
  }
  for (const Item* item : q.flatten()) {
    if (!item->required || !enablement.enabled(*item)) continue;
    if (item->type != ItemType::group && !item->answerable()) continue;
    bool answered = item->type == ItemType::group ? has_answered_descendant(*item, answers)
                                                  : answers.get(item->link_id) != nullptr;
    if (!answered) return AnswerProblem{item->link_id, true, "required item is not answered"};
  }
  return std::nullopt;
}

Status validate_answers(const Questionnaire& q, const Answers& answers) {
  const std::optional<AnswerProblem> p = first_answer_problem(q, answers);
  if (!p) return Status::Ok();
  return {Errc::invalid_response, "item '" + p->link_id + "': " + p->what};
}

namespace {

double option_weight(const Item& item, const Answers& answers) {
  const AnswerValue* value = answers.get(item.link_id);
  const auto* coding = value ? std::get_if<Coding>(value) : nullptr;
  if (!coding) return 0;
  const AnswerOption* opt = qjson::resolve_option(item, *coding);
  return opt && opt->weight ? *opt->weight : 0;
}

// The file's FHIRPath: its variables in order, then the total item's expression.
Result<double> expression_score(const Questionnaire& q, const Answers& answers, std::string& note) {
  const Item* total = q.total_item();
  const nlohmann::json resource = response_resource(q, answers);
  fhirpath::Environment env;
  env.resource = &resource;
  env.questionnaire = &q.source_json();
  env.weight_of = [&q](std::string_view link_id, std::string_view system,
                       std::string_view code) -> std::optional<double> {
    Coding c{std::string(system), std::string(code), ""};
    if (const Item* item = q.find(link_id)) {
      const AnswerOption* opt = qjson::resolve_option(*item, c);
      return opt ? opt->weight : std::nullopt;
    }
    std::optional<double> found;
    for (const Item* item : q.flatten()) {
      if (const AnswerOption* opt = qjson::resolve_option(*item, c); opt && opt->weight) found = opt->weight;
    }
    return found;
  };
  std::vector<const ItemExpression*> vars;
  for (const auto& v : q.variables()) vars.push_back(&v);
  for (const auto& v : total->variables) vars.push_back(&v);
  for (const ItemExpression* v : vars) {
    auto e = fhirpath::Expression::parse(v->text);
    if (!e.ok()) return e.status();
    auto r = fhirpath::evaluate(*e, resource, env);
    if (!r.ok()) return r.status();
    env.variables[v->name] = std::move(*r);
  }
  auto e = fhirpath::Expression::parse(total->calculated->text);
  if (!e.ok()) return e.status();
  auto r = fhirpath::evaluate(*e, resource, env);
  if (!r.ok()) return r.status();
  if (r->size() != 1 || !(*r)[0].is_number()) {
    note = "the score expression gave " + (r->empty() ? std::string("no value") : (*r)[0].dump());
    return Status(Errc::invalid_response, note);
  }
  return (*r)[0].get<double>();
}

}  // namespace

Result<Assessment> assess(const Questionnaire& q, const Answers& answers) {
  if (Status s = validate_answers(q, answers); !s.ok()) return s;
  Assessment a;
  const Scoring& sc = q.scoring();
  for (const Item* item : q.flatten()) {
    const AnswerValue* value = answers.get(item->link_id);
    if (!value || !item->answerable()) continue;
    if (sc.method == Scoring::Method::weights) a.score += option_weight(*item, answers);
    if (is_critical_answer(*item, *value)) a.critical_items.push_back(item->link_id);
  }
  switch (sc.method) {
    case Scoring::Method::weights:
      break;
    case Scoring::Method::instrument:
      for (const auto& id : sc.key_items) a.score += option_weight(*q.find(id), answers);
      break;
    case Scoring::Method::expression: {
      std::string note;
      auto score = expression_score(q, answers, note);
      if (score.ok()) {
        a.score = *score;
      } else {
        a.score_computed = false;
        a.score_note = "score not computed: " + score.status().message();
      }
      break;
    }
    case Scoring::Method::none:
      a.score_computed = false;
      a.score_note = "score not computed: " + sc.description;
      break;
  }
  if (!a.critical_items.empty()) a.flags.push_back("critical");
  if (a.score_computed) {
    if (const ScoreBand* band = q.band_for(a.score)) a.band = *band;
  } else {
    a.score = 0;
  }
  return a;
}

}  // namespace outpost
