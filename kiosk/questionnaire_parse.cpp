// Questionnaire::parse: reads and validates the FHIR R4 profile described in
// docs/design.md, "Questionnaire profile". Every rejection names the source,
// then the linkId or field. No exception leaves this file: JSON is read with
// non-throwing accessors and the one parse call is guarded.
#include <set>

#include <nlohmann/json.hpp>

#include "kiosk/questionnaire.h"
#include "kiosk/questionnaire_json.h"

namespace outpost {

using nlohmann::json;

namespace {

constexpr const char* kTranslationUrl = "http://hl7.org/fhir/StructureDefinition/translation";
constexpr const char* kItemWeightUrl = "http://hl7.org/fhir/StructureDefinition/itemWeight";
constexpr const char* kOrdinalValueUrl = "http://hl7.org/fhir/StructureDefinition/ordinalValue";
constexpr const char* kScoreBandUrl = "urn:outpost:score-band";
constexpr const char* kCriticalUrl = "urn:outpost:critical-at-or-above";

// A kiosk questionnaire is a few dozen items; these bounds keep hostile input
// from exhausting the stack or the screen.
constexpr std::size_t kMaxItems = 1000;
constexpr int kMaxDepth = 16;

// *list, or an empty array that outlives any loop over it.
const json& or_empty(const json* list) {
  static const json kEmpty = json::array();
  return list ? *list : kEmpty;
}

std::optional<ItemType> item_type_from(std::string_view s) {
  static constexpr std::pair<std::string_view, ItemType> kTypes[] = {
      {"group", ItemType::group},     {"display", ItemType::display}, {"choice", ItemType::choice},
      {"boolean", ItemType::boolean}, {"integer", ItemType::integer}, {"decimal", ItemType::decimal},
      {"string", ItemType::string},   {"text", ItemType::text},       {"date", ItemType::date}};
  for (const auto& [name, type] : kTypes) {
    if (name == s) return type;
  }
  return std::nullopt;
}

std::optional<EnableOp> enable_op_from(std::string_view s) {
  static constexpr std::pair<std::string_view, EnableOp> kOps[] = {
      {"exists", EnableOp::exists}, {"=", EnableOp::eq},  {"!=", EnableOp::ne}, {">", EnableOp::gt},
      {"<", EnableOp::lt},          {">=", EnableOp::ge}, {"<=", EnableOp::le}};
  for (const auto& [name, op] : kOps) {
    if (name == s) return op;
  }
  return std::nullopt;
}

}  // namespace

// Builds a Questionnaire; the first error found stops the parse.
class QuestionnaireParser {
 public:
  explicit QuestionnaireParser(std::string_view source) : source_(source) {}

  Result<Questionnaire> run(const json& doc) {
    if (!doc.is_object()) return fail("", "is not a JSON object");
    const std::string* rt = qjson::string_at(doc, "resourceType");
    if (!rt) return fail("", "resourceType is missing; expected \"Questionnaire\"");
    if (*rt != "Questionnaire")
      return fail("", "resourceType is \"" + *rt + "\"; expected \"Questionnaire\"");
    if (Status s = check_modifier(doc, "Questionnaire"); !s.ok()) return s;
    if (Status s = header(doc); !s.ok()) return s;
    if (Status s = bands(doc); !s.ok()) return s;

    auto items = doc.find("item");
    if (items == doc.end() || !items->is_array() || items->empty())
      return fail("item", "a Questionnaire needs a non-empty item array");
    if (Status s = item_list(*items, "item", 0, {}, q_.items_); !s.ok()) return s;
    if (Status s = check_enable_when(q_.items_); !s.ok()) return s;
    if (Status s = check_cycles(); !s.ok()) return s;

    q_.languages_.clear();
    q_.languages_.push_back(q_.language_);
    for (const auto& lang : langs_) {
      if (lang != q_.language_) q_.languages_.push_back(lang);
    }
    return std::move(q_);
  }

 private:
  Status fail(const std::string& where, const std::string& what) const {
    return qjson::located_error(Errc::invalid_questionnaire, source_, where, what);
  }

  static std::string item_where(const Item& item) { return "item '" + item.link_id + "'"; }

  // FHIR: an unknown modifierExtension changes meaning, so it cannot be ignored.
  Status check_modifier(const json& el, const std::string& where) const {
    if (el.contains("modifierExtension")) return fail(where, "modifierExtension is not supported");
    return Status::Ok();
  }

  // The extension array of `el`, checked for shape; nullptr when absent.
  Status extensions(const json& el, const std::string& where, const json*& out) const {
    out = nullptr;
    auto it = el.find("extension");
    if (it == el.end()) return Status::Ok();
    if (!it->is_array()) return fail(where, "extension is not an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& e = (*it)[i];
      if (!e.is_object() || !qjson::string_at(e, "url")) {
        return fail(where, "extension[" + std::to_string(i) + "] is not an object with a url");
      }
    }
    out = &*it;
    return Status::Ok();
  }

  Status optional_string(const json& obj, const char* key, const std::string& where, std::string& out) const {
    auto it = obj.find(key);
    if (it == obj.end()) return Status::Ok();
    if (!it->is_string()) return fail(where, std::string(key) + " is not a string");
    out = it->get<std::string>();
    return Status::Ok();
  }

  // Text from `obj[key]` with translations from `obj["_" + key]`.
  Status localized(const json& obj, const std::string& key, const std::string& where, LocalizedText& out) {
    if (Status s = optional_string(obj, key.c_str(), where, out.base); !s.ok()) return s;
    const std::string under = "_" + key;
    auto it = obj.find(under);
    if (it == obj.end()) return Status::Ok();
    if (!it->is_object()) return fail(where, under + " is not an object");
    const json* exts = nullptr;
    if (Status s = extensions(*it, where + ": " + under, exts); !s.ok() || !exts) return s;
    for (const json& e : *exts) {
      if (*qjson::string_at(e, "url") != kTranslationUrl) continue;
      const json* subs = nullptr;
      if (Status s = extensions(e, where + ": " + under + " translation", subs); !s.ok()) return s;
      const std::string* lang = nullptr;
      const std::string* content = nullptr;
      for (const json& sub : or_empty(subs)) {
        const std::string& url = *qjson::string_at(sub, "url");
        if (url == "lang") lang = qjson::string_at(sub, "valueCode");
        if (url == "content") content = qjson::string_at(sub, "valueString");
      }
      if (!lang || lang->empty()) return fail(where, under + " translation has no lang (valueCode)");
      if (!content) return fail(where, under + " translation '" + *lang + "' has no content (valueString)");
      out.translations[*lang] = *content;
      langs_.insert(*lang);
    }
    return Status::Ok();
  }

  Status header(const json& doc) {
    if (Status s = optional_string(doc, "id", "id", q_.id_); !s.ok()) return s;
    if (Status s = optional_string(doc, "url", "url", q_.url_); !s.ok()) return s;
    if (Status s = optional_string(doc, "version", "version", q_.version_); !s.ok()) return s;
    if (q_.url_.find('|') != std::string::npos)
      return fail("url", "must not contain '|' (it separates the version)");
    if (Status s = optional_string(doc, "language", "language", q_.language_); !s.ok()) return s;
    if (q_.language_.empty()) return fail("language", "is empty");
    if (Status s = localized(doc, "title", "title", q_.title_); !s.ok()) return s;
    if (auto it = doc.find("code"); it != doc.end()) {
      if (!it->is_array()) return fail("code", "is not an array");
      if (!it->empty()) {
        const json& c = (*it)[0];
        if (!c.is_object()) return fail("code[0]", "is not a Coding object");
        for (auto [key, field] : {std::pair{"system", &q_.code_.system}, std::pair{"code", &q_.code_.code},
                                  std::pair{"display", &q_.code_.display}}) {
          if (Status s = optional_string(c, key, "code[0]", *field); !s.ok()) return s;
        }
      }
    }
    return Status::Ok();
  }

  Status bands(const json& doc) {
    const json* exts = nullptr;
    if (Status s = extensions(doc, "Questionnaire", exts); !s.ok() || !exts) return s;
    for (std::size_t i = 0; i < exts->size(); ++i) {
      const json& e = (*exts)[i];
      if (*qjson::string_at(e, "url") != kScoreBandUrl) continue;
      const std::string where = "extension[" + std::to_string(i) + "] (score-band)";
      const json* subs = nullptr;
      if (Status s = extensions(e, where, subs); !s.ok()) return s;
      std::optional<std::int64_t> min, max;
      const json* label = nullptr;
      for (const json& sub : or_empty(subs)) {
        const std::string& url = *qjson::string_at(sub, "url");
        if (url == "min" || url == "max") {
          auto v = sub.find("valueInteger");
          std::optional<std::int64_t> n = v == sub.end() ? std::nullopt : qjson::as_int64(*v);
          if (!n) return fail(where, url + " is not an integer (valueInteger)");
          (url == "min" ? min : max) = n;
        } else if (url == "label") {
          label = &sub;
        }
      }
      if (!min) return fail(where, "min is missing");
      if (!max) return fail(where, "max is missing");
      if (!label || !qjson::string_at(*label, "valueString") ||
          qjson::string_at(*label, "valueString")->empty()) {
        return fail(where, "label is missing (valueString)");
      }
      if (*min > *max) {
        return fail(where, "min " + std::to_string(*min) + " is greater than max " + std::to_string(*max));
      }
      ScoreBand band{*min, *max, *qjson::string_at(*label, "valueString"), {}};
      LocalizedText text;
      if (Status s = localized(*label, "valueString", where + " label", text); !s.ok()) return s;
      band.label_translations = std::move(text.translations);
      for (const ScoreBand& other : q_.bands_) {
        if (band.min <= other.max && other.min <= band.max) {
          return fail(where, "band '" + band.label + "' [" + std::to_string(band.min) + ", " +
                                 std::to_string(band.max) + "] overlaps band '" + other.label + "' [" +
                                 std::to_string(other.min) + ", " + std::to_string(other.max) + "]");
        }
      }
      q_.bands_.push_back(std::move(band));
    }
    return Status::Ok();
  }

  Status item_list(const json& arr, const std::string& where, int depth, std::vector<std::size_t> path,
                   std::vector<Item>& out) {
    if (depth >= kMaxDepth)
      return fail(where, "items are nested deeper than " + std::to_string(kMaxDepth) + " levels");
    out.reserve(arr.size());
    for (std::size_t i = 0; i < arr.size(); ++i) {
      if (++item_count_ > kMaxItems) return fail(where, "more than " + std::to_string(kMaxItems) + " items");
      path.push_back(i);
      Item item;
      if (Status s = parse_item(arr[i], where + "[" + std::to_string(i) + "]", depth, path, item); !s.ok())
        return s;
      out.push_back(std::move(item));
      path.pop_back();
    }
    return Status::Ok();
  }

  Status parse_item(const json& j, const std::string& index_where, int depth,
                    const std::vector<std::size_t>& path, Item& item) {
    if (!j.is_object()) return fail(index_where, "is not an object");
    const std::string* link = qjson::string_at(j, "linkId");
    if (!link) return fail(index_where, "linkId is missing");
    if (link->empty()) return fail(index_where, "linkId is empty");
    item.link_id = *link;
    const std::string where = item_where(item);
    if (!q_.paths_.emplace(item.link_id, path).second) return fail(where, "duplicate linkId");
    if (Status s = check_modifier(j, where); !s.ok()) return s;

    const std::string* type = qjson::string_at(j, "type");
    if (!type) return fail(where, "type is missing");
    auto t = item_type_from(*type);
    if (!t) return fail(where, "type '" + *type + "' is not supported");
    item.type = *t;

    if (Status s = localized(j, "text", where, item.text); !s.ok()) return s;
    if (auto it = j.find("required"); it != j.end()) {
      if (!it->is_boolean()) return fail(where, "required is not a boolean");
      item.required = it->get<bool>();
    }
    if (item.required && item.type == ItemType::display)
      return fail(where, "a display item cannot be required");
    if (auto it = j.find("repeats"); it != j.end() && !(it->is_boolean() && !it->get<bool>())) {
      return fail(where, "repeats is not supported");
    }
    if (j.contains("answerValueSet"))
      return fail(where, "answerValueSet is not supported; list answerOption");

    if (auto it = j.find("answerOption"); it != j.end()) {
      if (item.type != ItemType::choice) return fail(where, "answerOption is only allowed on choice items");
      if (!it->is_array()) return fail(where, "answerOption is not an array");
      for (std::size_t i = 0; i < it->size(); ++i) {
        AnswerOption opt;
        if (Status s = parse_option((*it)[i], where + ": answerOption[" + std::to_string(i) + "]", opt);
            !s.ok()) {
          return s;
        }
        if (item.find_option(opt.coding))
          return fail(where, "answerOption code '" + opt.coding.code + "' is listed twice");
        item.options.push_back(std::move(opt));
      }
    }
    if (item.type == ItemType::choice && item.options.empty())
      return fail(where, "choice item has no answerOption");

    const json* exts = nullptr;
    if (Status s = extensions(j, where, exts); !s.ok()) return s;
    for (const json& e : or_empty(exts)) {
      if (*qjson::string_at(e, "url") != kCriticalUrl) continue;
      auto v = e.find("valueDecimal");
      if (v == e.end() || !qjson::finite_number(*v))
        return fail(where, "critical-at-or-above is not a number (valueDecimal)");
      bool weighted = false;
      for (const auto& o : item.options) weighted = weighted || o.weight.has_value();
      if (!weighted) return fail(where, "critical-at-or-above needs answer options with weights");
      item.critical_at_or_above = v->get<double>();
    }

    if (auto it = j.find("enableWhen"); it != j.end()) {
      if (!it->is_array()) return fail(where, "enableWhen is not an array");
      for (std::size_t i = 0; i < it->size(); ++i) {
        EnableWhen ew;
        if (Status s = parse_enable_when((*it)[i], where + ": enableWhen[" + std::to_string(i) + "]", ew);
            !s.ok()) {
          return s;
        }
        item.enable_when.push_back(std::move(ew));
      }
    }
    if (auto it = j.find("enableBehavior"); it != j.end()) {
      const std::string behavior = it->is_string() ? it->get<std::string>() : qjson::dump_safe(*it);
      if (behavior == "all") {
        item.enable_behavior = EnableBehavior::all;
      } else if (behavior == "any") {
        item.enable_behavior = EnableBehavior::any;
      } else {
        return fail(where, "enableBehavior " + behavior + " is not \"all\" or \"any\"");
      }
    } else if (item.enable_when.size() > 1) {
      return fail(where, "enableBehavior is required with more than one enableWhen");
    }

    auto children = j.find("item");
    if (item.type == ItemType::group) {
      if (children == j.end() || !children->is_array() || children->empty())
        return fail(where, "group item has no items");
      return item_list(*children, where + ": item", depth + 1, path, item.items);
    }
    if (children != j.end()) return fail(where, "only group items may contain items");
    return Status::Ok();
  }

  Status parse_option(const json& j, const std::string& where, AnswerOption& opt) {
    if (!j.is_object()) return fail(where, "is not an object");
    auto vc = j.find("valueCoding");
    if (vc == j.end() || !vc->is_object()) return fail(where, "has no valueCoding");
    const std::string* code = qjson::string_at(*vc, "code");
    if (!code || code->empty()) return fail(where, "valueCoding has no code");
    opt.coding.code = *code;
    if (Status s = optional_string(*vc, "system", where, opt.coding.system); !s.ok()) return s;
    const std::string code_where = where + " (code '" + *code + "')";
    if (Status s = localized(*vc, "display", code_where, opt.display); !s.ok()) return s;
    opt.coding.display = opt.display.base;
    const json* exts = nullptr;
    if (Status s = extensions(j, code_where, exts); !s.ok() || !exts) return s;
    for (const json& e : *exts) {
      const std::string& url = *qjson::string_at(e, "url");
      if (url != kItemWeightUrl && url != kOrdinalValueUrl) continue;
      auto v = e.find("valueDecimal");
      if (v == e.end() || !qjson::finite_number(*v))
        return fail(code_where, "weight (valueDecimal) is not a number");
      if (opt.weight) return fail(code_where, "has more than one weight");
      opt.weight = v->get<double>();
    }
    return Status::Ok();
  }

  Status parse_enable_when(const json& j, const std::string& where, EnableWhen& ew) const {
    if (!j.is_object()) return fail(where, "is not an object");
    const std::string* question = qjson::string_at(j, "question");
    if (!question || question->empty()) return fail(where, "question is missing");
    ew.question = *question;
    const std::string* op = qjson::string_at(j, "operator");
    if (!op) return fail(where, "operator is missing");
    auto parsed = enable_op_from(*op);
    if (!parsed) return fail(where, "operator '" + *op + "' is not supported");
    ew.op = *parsed;
    std::string key;
    bool several = false;
    const json* value = qjson::one_prefixed(j, "answer", &key, &several);
    if (several) return fail(where, "has more than one answer[x]");
    if (!value) return fail(where, "answer[x] is missing");
    Result<AnswerValue> parsed_value = qjson::value_from(key, "answer", *value);
    if (!parsed_value.ok()) return fail(where, parsed_value.status().message());
    ew.answer = std::move(parsed_value).value();
    if (ew.op == EnableOp::exists && !std::holds_alternative<bool>(ew.answer)) {
      return fail(where, "operator 'exists' needs answerBoolean");
    }
    return Status::Ok();
  }

  // Checks each enableWhen against the item it refers to (needs the whole tree).
  Status check_enable_when(std::vector<Item>& items) {
    for (Item& item : items) {
      for (std::size_t i = 0; i < item.enable_when.size(); ++i) {
        EnableWhen& ew = item.enable_when[i];
        const std::string where = item_where(item) + ": enableWhen[" + std::to_string(i) + "]";
        if (ew.question == item.link_id) return fail(where, "refers to the item itself");
        const Item* target = q_.find(ew.question);
        if (!target)
          return fail(where, "question '" + ew.question + "' is not a linkId in this questionnaire");
        if (target->type == ItemType::group || target->type == ItemType::display) {
          return fail(where, "question '" + ew.question + "' is a " + item_type_name(target->type) +
                                 " item and has no answer");
        }
        if (ew.op == EnableOp::exists) continue;
        const std::string expected = qjson::value_key("answer", target->type);
        const std::string given = qjson::value_key("answer", ew.answer);
        if (expected != given) {
          return fail(where, given + " does not match " + item_type_name(target->type) + " item '" +
                                 ew.question + "'; expected " + expected);
        }
        bool ordered = ew.op != EnableOp::eq && ew.op != EnableOp::ne;
        if (ordered && (target->type == ItemType::choice || target->type == ItemType::boolean)) {
          return fail(where,
                      "operator does not apply to " + std::string(item_type_name(target->type)) + " answers");
        }
        if (auto* c = std::get_if<Coding>(&ew.answer)) {
          const AnswerOption* opt = qjson::resolve_option(*target, *c);
          if (!opt)
            return fail(where,
                        "answerCoding code '" + c->code + "' is not an option of item '" + ew.question + "'");
          *c = opt->coding;
        }
      }
      if (Status s = check_enable_when(item.items); !s.ok()) return s;
    }
    return Status::Ok();
  }

  // An item depends on its parent and on the items its enableWhen names; a
  // cycle there would make enablement undefined.
  Status check_cycles() const {
    std::map<std::string, int, std::less<>> state;  // 1 = on the stack, 2 = done
    for (const Item* item : q_.flatten()) {
      if (Status s = visit(*item, state); !s.ok()) return s;
    }
    return Status::Ok();
  }

  Status visit(const Item& item, std::map<std::string, int, std::less<>>& state) const {
    int& st = state[item.link_id];
    if (st == 2) return Status::Ok();
    if (st == 1) return fail(item_where(item), "enableWhen conditions form a cycle through this item");
    st = 1;
    if (const Item* parent = q_.parent_of(item.link_id)) {
      if (Status s = visit(*parent, state); !s.ok()) return s;
    }
    for (const EnableWhen& ew : item.enable_when) {
      if (Status s = visit(*q_.find(ew.question), state); !s.ok()) return s;
    }
    state[item.link_id] = 2;
    return Status::Ok();
  }

  std::string source_;
  Questionnaire q_;
  std::set<std::string> langs_;
  std::size_t item_count_ = 0;
};

Result<Questionnaire> Questionnaire::from_json(const json& doc, std::string_view source) {
  return QuestionnaireParser(source).run(doc);
}

Result<Questionnaire> Questionnaire::parse(std::string_view json_text, std::string_view source) {
  json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded())
    return Result<Questionnaire>(Errc::invalid_questionnaire, std::string(source) + ": not valid JSON");
  return from_json(doc, source);
}

}  // namespace outpost
