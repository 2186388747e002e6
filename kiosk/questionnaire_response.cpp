// FHIR R4 QuestionnaireResponse in and out, and the assessment summary
// (docs/design.md, "Questionnaire profile").
#include <cmath>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "kiosk/questionnaire.h"
#include "kiosk/questionnaire_json.h"

namespace outpost {

using nlohmann::json;

namespace {

constexpr const char* kPatientCodeSystem = "urn:outpost:patient-code";

constexpr const char* kTranslationUrl = "http://hl7.org/fhir/StructureDefinition/translation";

// The translation LocalizedText::in(lang) picks (exact tag, else primary
// subtag), with the tag it is filed under; nullptr when `in` falls back to
// the base text. Needs the tag too, which `in` does not return.
const std::pair<const std::string, std::string>* translation_for(const LocalizedText& text,
                                                                 std::string_view lang) {
  if (auto it = text.translations.find(std::string(lang)); it != text.translations.end()) return &*it;
  if (auto dash = lang.find('-'); dash != std::string_view::npos) {
    if (auto it = text.translations.find(std::string(lang.substr(0, dash))); it != text.translations.end()) {
      return &*it;
    }
  }
  return nullptr;
}

// Whole numbers print as integers ("score": 12, not 12.0).
json number(double v) {
  if (std::isfinite(v) && std::trunc(v) == v && std::fabs(v) < 9.0e15) return static_cast<std::int64_t>(v);
  return v;
}

class ResponseReader {
 public:
  ResponseReader(const Questionnaire& q, std::string_view source) : q_(q), source_(source) {}

  Result<Answers> run(const json& doc) {
    if (!doc.is_object()) return fail("", "is not a JSON object");
    const std::string* rt = qjson::string_at(doc, "resourceType");
    if (!rt || *rt != "QuestionnaireResponse") {
      return fail("resourceType", "is " + (rt ? "\"" + *rt + "\"" : std::string("missing")) +
                                      "; expected \"QuestionnaireResponse\"");
    }
    if (Status s = check_canonical(doc); !s.ok()) return s;
    auto items = doc.find("item");
    if (items != doc.end()) {
      if (Status s = item_list(*items, nullptr, "item", 0); !s.ok()) return s;
    }
    return std::move(answers_);
  }

 private:
  Status fail(const std::string& where, const std::string& what) const {
    return qjson::located_error(Errc::invalid_response, source_, where, what);
  }

  // "questionnaire" is url or url|version; when both sides name one they must agree.
  Status check_canonical(const json& doc) const {
    auto it = doc.find("questionnaire");
    if (it == doc.end()) return Status::Ok();
    if (!it->is_string()) return fail("questionnaire", "is not a string");
    const std::string& canonical = it->get_ref<const std::string&>();
    auto bar = canonical.find('|');
    std::string url = canonical.substr(0, bar);
    std::string version = bar == std::string::npos ? "" : canonical.substr(bar + 1);
    if (!q_.url().empty() && url != q_.url()) {
      return fail("questionnaire", "'" + url + "' is not this questionnaire ('" + q_.url() + "')");
    }
    if (!version.empty() && !q_.version().empty() && version != q_.version()) {
      return fail("questionnaire", "version '" + version + "' does not match '" + q_.version() + "'");
    }
    return Status::Ok();
  }

  Status item_list(const json& arr, const Item* parent, const std::string& where, int depth) {
    if (!arr.is_array()) return fail(where, "is not an array");
    if (depth > 32) return fail(where, "items are nested too deeply");
    for (std::size_t i = 0; i < arr.size(); ++i) {
      if (Status s = item(arr[i], parent, where + "[" + std::to_string(i) + "]", depth); !s.ok()) return s;
    }
    return Status::Ok();
  }

  Status item(const json& j, const Item* parent, const std::string& index_where, int depth) {
    const std::string* link = qjson::string_at(j, "linkId");
    if (!link) return fail(index_where, "linkId is missing");
    const std::string where = "item '" + *link + "'";
    const Item* item = q_.find(*link);
    if (!item) return fail(where, "unknown linkId");
    if (q_.parent_of(*link) != parent) {
      return fail(where, parent ? "is not in group '" + parent->link_id + "' in the questionnaire"
                                : "is nested differently from the questionnaire");
    }
    if (!seen_.insert(*link).second) return fail(where, "appears more than once");

    if (auto answers = j.find("answer"); answers != j.end()) {
      if (!answers->is_array()) return fail(where, "answer is not an array");
      if (!answers->empty()) {
        if (item->type == ItemType::group || item->type == ItemType::display) {
          return fail(where, std::string("is a ") + item_type_name(item->type) + " item and takes no answer");
        }
        if (answers->size() > 1) {
          return fail(where, "has " + std::to_string(answers->size()) + " answers; it takes one");
        }
        if (Status s = answer((*answers)[0], *item, where); !s.ok()) return s;
      }
    }
    if (auto children = j.find("item"); children != j.end()) {
      if (item->type != ItemType::group) return fail(where, "only group items may contain items");
      return item_list(*children, item, where + ": item", depth + 1);
    }
    return Status::Ok();
  }

  Status answer(const json& a, const Item& item, const std::string& where) {
    if (!a.is_object()) return fail(where, "answer is not an object");
    std::string key;
    bool several = false;
    const json* value = qjson::one_prefixed(a, "value", &key, &several);
    if (several) return fail(where, "answer has more than one value[x]");
    const std::string expected = qjson::value_key("value", item.type);
    if (!value) return fail(where, "answer has no value[x]; expected " + expected);
    if (key != expected) {
      return fail(where,
                  key + " does not fit a " + item_type_name(item.type) + " item; expected " + expected);
    }
    Result<AnswerValue> parsed = qjson::value_from(key, "value", *value);
    if (!parsed.ok()) return fail(where, parsed.status().message());
    AnswerValue v = std::move(parsed).value();
    // A coding without system is taken to mean the option with that code.
    if (auto* c = std::get_if<Coding>(&v); c && c->system.empty()) {
      if (const AnswerOption* opt = qjson::resolve_option(item, *c)) *c = opt->coding;
    }
    answers_.set(item.link_id, std::move(v));
    return Status::Ok();
  }

  const Questionnaire& q_;
  std::string source_;
  Answers answers_;
  std::set<std::string> seen_;
};

json value_json(const Item& item, const AnswerValue& value, std::string_view lang) {
  const std::string key = qjson::value_key("value", value);
  json out = json::object();
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Coding>) {
          json c = json::object();
          if (!v.system.empty()) c["system"] = v.system;
          c["code"] = v.code;
          // display is the code system's own (base-language) display, as FHIR
          // expects of a Coding; what the patient read goes in the standard
          // translation extension on _display.
          const AnswerOption* opt = qjson::resolve_option(item, v);
          const std::string& display = opt ? opt->display.base : v.display;
          if (!display.empty()) c["display"] = display;
          if (const auto* shown = opt ? translation_for(opt->display, lang) : nullptr) {
            c["_display"] = {
                {"extension",
                 json::array({{{"url", kTranslationUrl},
                               {"extension", json::array({
                                                 {{"url", "lang"}, {"valueCode", shown->first}},
                                                 {{"url", "content"}, {"valueString", shown->second}},
                                             })}}})}};
          }
          out[key] = std::move(c);
        } else if constexpr (std::is_same_v<T, Date>) {
          out[key] = v.iso;
        } else {
          out[key] = v;
        }
      },
      value);
  return out;
}

// The response items for `items`: answered questions, and groups holding any.
// The total item's answer: the computed score, typed as the item is.
json total_answer(const Item& item, double score) {
  if (item.type == ItemType::integer) return {{"valueInteger", static_cast<std::int64_t>(std::llround(score))}};
  if (item.type == ItemType::quantity) return {{"valueQuantity", {{"value", number(score)}}}};
  return {{"valueDecimal", number(score)}};
}

// The response items for `items`: answered questions, the computed total
// (`total`, when given) and groups holding any.
json response_items(const std::vector<Item>& items, const Answers& answers, std::string_view lang,
                    const std::pair<const Item*, double>* total = nullptr) {
  json out = json::array();
  for (const Item& item : items) {
    json node = json::object();
    node["linkId"] = item.link_id;
    if (!item.text.in(lang).empty()) node["text"] = item.text.in(lang);
    if (item.type == ItemType::group) {
      json children = response_items(item.items, answers, lang, total);
      if (children.empty()) continue;
      node["item"] = std::move(children);
    } else if (total && total->first == &item) {
      node["answer"] = json::array({total_answer(item, total->second)});
    } else if (const AnswerValue* value = answers.get(item.link_id)) {
      node["answer"] = json::array({value_json(item, *value, lang)});
    } else {
      continue;
    }
    out.push_back(std::move(node));
  }
  return out;
}

}  // namespace

Result<Answers> answers_from_response(const Questionnaire& q, const json& response, std::string_view source) {
  return ResponseReader(q, source).run(response);
}

json response_resource(const Questionnaire& q, const Answers& answers) {
  json r = json::object();
  r["resourceType"] = "QuestionnaireResponse";
  r["item"] = response_items(q.items(), answers, q.language());
  return r;
}

json to_response(const Questionnaire& q, const Answers& answers, const Assessment& assessment,
                 const ResponseMeta& meta) {
  const std::string lang = meta.language.empty() ? q.language() : meta.language;
  json r = json::object();
  r["resourceType"] = "QuestionnaireResponse";
  json ext = json::array();
  ext.push_back({{"url", "urn:outpost:score"}, {"valueDecimal", number(assessment.score)}});
  if (assessment.band) ext.push_back({{"url", "urn:outpost:band"}, {"valueString", assessment.band->label}});
  for (const auto& flag : assessment.flags) ext.push_back({{"url", "urn:outpost:flag"}, {"valueCode", flag}});
  for (const auto& id : assessment.critical_items) {
    ext.push_back({{"url", "urn:outpost:critical-item"}, {"valueString", id}});
  }
  r["extension"] = std::move(ext);
  if (!q.url().empty()) r["questionnaire"] = q.version().empty() ? q.url() : q.url() + "|" + q.version();
  r["status"] = "completed";
  r["language"] = lang;
  if (!meta.authored.empty()) r["authored"] = meta.authored;
  if (!meta.subject.empty()) {
    r["subject"] = {{"identifier", {{"system", kPatientCodeSystem}, {"value", meta.subject}}}};
  }
  // The questionnaire's own total item carries the computed score.
  const std::pair<const Item*, double> total{q.total_item(), assessment.score};
  r["item"] = response_items(q.items(), answers, lang,
                             total.first && assessment.score_computed ? &total : nullptr);
  return r;
}

json assessment_json(const Assessment& assessment) {
  return assessment_json(assessment, "");
}

json assessment_json(const Assessment& assessment, std::string_view lang) {
  json out = json::object();
  out["score"] = assessment.score_computed ? number(assessment.score) : json(nullptr);
  if (!assessment.score_computed) out["score_note"] = assessment.score_note;
  out["band"] = assessment.band ? json(assessment.band->label_in(lang)) : json(nullptr);
  out["flags"] = assessment.flags;
  out["critical_items"] = assessment.critical_items;
  return out;
}

}  // namespace outpost
