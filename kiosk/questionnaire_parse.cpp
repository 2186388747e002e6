// Questionnaire::parse: reads and validates the FHIR R4 profile described in
// docs/design.md, "Questionnaire profile". Every rejection names the source,
// then the linkId or field; a file is read to the end so that every error is
// reported at once (one per item at most). No exception leaves this file:
// JSON is read with non-throwing accessors and the one parse call is guarded.
#include <sodium.h>

#include <set>

#include <nlohmann/json.hpp>

#include "kiosk/questionnaire.h"
#include "kiosk/fhirpath.h"
#include "kiosk/questionnaire_json.h"

namespace outpost {

using nlohmann::json;

namespace {

constexpr const char* kTranslationUrl = "http://hl7.org/fhir/StructureDefinition/translation";
constexpr const char* kItemWeightUrl = "http://hl7.org/fhir/StructureDefinition/itemWeight";
constexpr const char* kOrdinalValueUrl = "http://hl7.org/fhir/StructureDefinition/ordinalValue";
constexpr const char* kIsoValueUrl = "http://hl7.org/fhir/StructureDefinition/iso21090-CO-value";
constexpr const char* kHiddenUrl = "http://hl7.org/fhir/StructureDefinition/questionnaire-hidden";
constexpr const char* kXhtmlUrl = "http://hl7.org/fhir/StructureDefinition/rendering-xhtml";
constexpr const char* kCalculatedUrl =
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression";
constexpr const char* kEnableWhenExprUrl =
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression";
constexpr const char* kVariableUrl = "http://hl7.org/fhir/StructureDefinition/variable";
constexpr const char* kLoinc = "http://loinc.org";

bool is_weight_url(const std::string& url) {
  return url == kItemWeightUrl || url == kOrdinalValueUrl || url == kIsoValueUrl;
}

// Published scoring keys over LOINC-coded items (docs/design.md, Scoring).
struct InstrumentKey {
  const char* name;
  const char* total_code;  // LOINC of the total score
  std::vector<const char*> items;
};
const std::vector<InstrumentKey>& instrument_keys() {
  static const std::vector<InstrumentKey> kKeys = {
      {"PHQ-9", "44261-6",
       {"44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"}},
      {"GAD-7", "70274-6", {"69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"}},
  };
  return kKeys;
}

// Plain text from rendering-xhtml: tags dropped, a few entities decoded,
// block ends as line breaks. Never markup on a patient's screen.
std::string xhtml_to_text(std::string_view x) {
  std::string out;
  for (std::size_t i = 0; i < x.size();) {
    if (x[i] == '<') {
      const auto close = x.find('>', i);
      if (close == std::string_view::npos) break;
      std::string tag(x.substr(i + 1, close - i - 1));
      for (auto& c : tag) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if ((tag.starts_with("br") || tag.starts_with("/p") || tag.starts_with("/div") || tag.starts_with("/li")) &&
          !out.empty() && out.back() != '\n') {
        out += '\n';
      }
      i = close + 1;
    } else if (x[i] == '&') {
      static constexpr std::pair<std::string_view, std::string_view> kEntities[] = {
          {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&nbsp;", " "}};
      bool done = false;
      for (auto [e, t] : kEntities) {
        if (x.substr(i, e.size()) == e) {
          out += t;
          i += e.size();
          done = true;
          break;
        }
      }
      if (!done) out += x[i++];
    } else {
      out += x[i++];
    }
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}
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
      {"string", ItemType::string},   {"text", ItemType::text},       {"date", ItemType::date},
      {"quantity", ItemType::quantity}};
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

// Builds a Questionnaire. An error stops the element it is in (the header,
// one item) and is recorded; parsing goes on so that every error is listed.
class QuestionnaireParser {
 public:
  explicit QuestionnaireParser(std::string_view source) : source_(source) {}

  QuestionnaireCheck run(const json& doc) {
    QuestionnaireCheck out;
    if (!doc.is_object()) {
      (void)fail("", "is not a JSON object");
      return finish(out);
    }
    const std::string* rt = qjson::string_at(doc, "resourceType");
    if (!rt || *rt != "Questionnaire") {
      (void)fail("", rt ? "resourceType is \"" + *rt + "\"; expected \"Questionnaire\""
                        : "resourceType is missing; expected \"Questionnaire\"");
      return finish(out);
    }
    doc_ = &doc;
    (void)check_modifier(doc, "Questionnaire");
    (void)header(doc);
    (void)bands(doc);
    (void)questionnaire_variables(doc);

    auto items = doc.find("item");
    if (items == doc.end() || !items->is_array() || items->empty()) {
      (void)fail("item", "a Questionnaire needs a non-empty item array");
      return finish(out);
    }
    (void)item_list(*items, "item", 0, {}, q_.items_);
    if (errors_.empty()) (void)check_enable_when(q_.items_);
    if (errors_.empty()) (void)check_cycles();
    if (errors_.empty()) identity(doc);
    if (errors_.empty()) scoring();

    q_.languages_.clear();
    q_.languages_.push_back(q_.language_);
    for (const auto& lang : langs_) {
      if (lang != q_.language_) q_.languages_.push_back(lang);
    }
    return finish(out);
  }

 private:
  QuestionnaireCheck& finish(QuestionnaireCheck& out) {
    out.errors = errors_;
    out.warnings = warnings_;
    if (errors_.empty()) {
      q_.warnings_ = warnings_;
      out.questionnaire = std::move(q_);
    }
    return out;
  }

  Status fail(const std::string& where, const std::string& what) const {
    Status s = qjson::located_error(Errc::invalid_questionnaire, source_, where, what);
    errors_.push_back(s.message());
    return s;
  }
  void warn(const std::string& where, const std::string& what) const {
    warnings_.push_back(qjson::located_error(Errc::invalid_questionnaire, source_, where, what).message());
  }

  // An item coded with this LOINC code; a code without a system (as some
  // published files have) counts, with a warning.
  bool loinc_coded(const Item& it, const char* code) const {
    if (it.has_code(kLoinc, code)) return true;
    if (!it.has_code("", code)) return false;
    if (unsystemed_.insert(it.link_id).second) {
      warn("item '" + it.link_id + "'", std::string("code ") + code + " has no system; read as LOINC");
    }
    return true;
  }

  // The published key whose LOINC-coded items are all here with weights.
  std::optional<std::pair<const InstrumentKey*, std::vector<std::string>>> instrument() const {
    for (const auto& key : instrument_keys()) {
      std::vector<std::string> ids;
      for (const char* code : key.items) {
        for (const Item* it : q_.flatten()) {
          if (!it->answerable() || it->type != ItemType::choice || !loinc_coded(*it, code)) continue;
          bool weighted = !it->options.empty();
          for (const auto& o : it->options) weighted = weighted && o.weight.has_value();
          if (weighted) {
            ids.push_back(it->link_id);
            break;
          }
        }
      }
      if (ids.size() == key.items.size()) return std::make_pair(&key, ids);
    }
    return std::nullopt;
  }

  // How the total is computed (docs/design.md, Scoring): the file's FHIRPath
  // on its total item; else a published key when the items are LOINC-coded;
  // else, with no total item, the sum of answer weights; else not at all.
  void scoring() {
    const Item* total = nullptr;
    for (const Item* it : q_.flatten()) {
      const bool numeric =
          it->type == ItemType::decimal || it->type == ItemType::integer || it->type == ItemType::quantity;
      if (!it->calculated || !numeric) continue;
      bool known = false;
      for (const auto& k : instrument_keys()) known = known || loinc_coded(*it, k.total_code);
      if (!total || known) total = it;
      if (known) break;
    }
    Scoring& sc = q_.scoring_;
    const auto key = instrument();
    auto use_key = [&] {
      sc.method = Scoring::Method::instrument;
      sc.description = std::string("the published ") + key->first->name + " key: sum of the weights of " +
                       std::to_string(key->second.size()) + " LOINC-coded items";
      sc.key_items = key->second;
    };
    if (total) {
      q_.total_link_id_ = total->link_id;
      const ItemExpression& x = *total->calculated;
      const std::string where = "item '" + total->link_id + "'";
      std::string problem;
      if (x.language == "text/fhirpath") {
        std::vector<const ItemExpression*> all{&x};
        for (const auto& v : q_.variables_) all.push_back(&v);
        for (const auto& v : total->variables) all.push_back(&v);
        for (const ItemExpression* e : all) {
          if (e->language != "text/fhirpath") {
            problem = "variable %" + e->name + " is " + e->language + ", which the kiosk does not evaluate";
            break;
          }
          auto parsed = fhirpath::Expression::parse(e->text);
          if (!parsed.ok()) {
            problem = (e == &x ? "its score expression" : "variable %" + e->name) + ": " + parsed.status().message();
            break;
          }
        }
        if (problem.empty()) {
          sc.method = Scoring::Method::expression;
          sc.description = "the file's FHIRPath on " + where + ": " + (x.text.size() > 100 ? x.text.substr(0, 100) + "..." : x.text);
        }
      } else {
        problem = "the score is defined in " + x.language + " ('" + x.text + "'), which the kiosk does not evaluate";
      }
      if (!problem.empty()) {
        if (key) {
          use_key();
          warn(where, problem + "; the published " + key->first->name + " key is used instead");
        } else {
          sc.method = Scoring::Method::none;
          sc.description = "not computed: " + problem;
          warn(where, problem + "; the kiosk computes no score for this questionnaire");
        }
      }
    } else if (key) {
      use_key();
    } else {
      sc.method = Scoring::Method::weights;
      sc.description = "the sum of the weights of the chosen answers";
    }
    for (const Item* it : q_.flatten()) {
      if (it->calculated && it != total) {
        warn("item '" + it->link_id + "'", "calculatedExpression (" + it->calculated->language +
                                               ") is not evaluated; the item is not shown");
      }
    }
  }

  // Canonical url, a version (derived from the content when absent), the digest.
  void identity(const json& doc) {
    const std::string canonical = doc.dump(-1, ' ', false, json::error_handler_t::replace);
    unsigned char h[32];
    crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(),
                       nullptr, 0);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    q_.digest_ = hex;
    q_.source_ = std::make_shared<const json>(doc);
    if (q_.url_.empty()) {
      q_.deploy_problems_.push_back(
          qjson::located_error(Errc::invalid_questionnaire, source_, "url",
                               "is missing: a questionnaire the kiosk offers needs a canonical url, so that no "
                               "two questionnaires can be confused")
              .message());
    }
    if (q_.version_.empty()) {
      q_.version_ = "content-" + q_.digest_.substr(0, 16);
      q_.version_derived_ = true;
      warn("version", "is missing; identified by its content as version " + q_.version_ +
                          " (any change to the file makes it a different version)");
    }
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
      if (*qjson::string_at(e, "url") == kXhtmlUrl) {
        // Shown as plain text, never as markup; only when there is no plain text.
        const std::string* x = qjson::string_at(e, "valueString");
        if (!x) return fail(where, under + " rendering-xhtml has no valueString");
        if (out.base.empty()) out.base = xhtml_to_text(*x);
        continue;
      }
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
    if (q_.version_.find('|') != std::string::npos) return fail("version", "must not contain '|'");
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
      // A failed item is recorded and skipped; its siblings are still read.
      (void)parse_item(arr[i], where + "[" + std::to_string(i) + "]", depth, path, item);
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
    if (auto it = j.find("code"); it != j.end()) {
      if (!it->is_array()) return fail(where, "code is not an array");
      for (const json& c : *it) {
        if (!c.is_object()) return fail(where, "code is not a Coding");
        Coding coding;
        for (auto [key, field] : {std::pair{"system", &coding.system}, std::pair{"code", &coding.code},
                                  std::pair{"display", &coding.display}}) {
          if (Status s = optional_string(c, key, where + ": code", *field); !s.ok()) return s;
        }
        item.codes.push_back(std::move(coding));
      }
    }
    if (auto it = j.find("readOnly"); it != j.end()) {
      if (!it->is_boolean()) return fail(where, "readOnly is not a boolean");
      item.read_only = it->get<bool>();
    }
    if (auto it = j.find("required"); it != j.end()) {
      if (!it->is_boolean()) return fail(where, "required is not a boolean");
      item.required = it->get<bool>();
    }
    if (item.required && item.type == ItemType::display)
      return fail(where, "a display item cannot be required");
    if (auto it = j.find("repeats"); it != j.end() && !(it->is_boolean() && !it->get<bool>())) {
      return fail(where, "repeats is not supported");
    }
    if (auto it = j.find("answerValueSet"); it != j.end()) {
      if (item.type != ItemType::choice) return fail(where, "answerValueSet is only allowed on choice items");
      if (j.contains("answerOption")) return fail(where, "has both answerValueSet and answerOption");
      if (!it->is_string()) return fail(where, "answerValueSet is not a string");
      if (Status s = value_set_options(it->get<std::string>(), where, item); !s.ok()) return s;
    }

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
    const json* enable_expression = nullptr;
    for (const json& e : or_empty(exts)) {
      const std::string& url = *qjson::string_at(e, "url");
      if (url == kHiddenUrl) {
        auto v = e.find("valueBoolean");
        if (v == e.end() || !v->is_boolean()) return fail(where, "questionnaire-hidden needs valueBoolean");
        item.hidden = v->get<bool>();
        continue;
      }
      if (url == kCalculatedUrl || url == kVariableUrl) {
        ItemExpression x;
        if (Status s = expression(e, where, url == kCalculatedUrl ? "calculatedExpression" : "variable", x); !s.ok())
          return s;
        if (url == kCalculatedUrl) {
          item.calculated = std::move(x);
        } else {
          item.variables.push_back(std::move(x));
        }
        continue;
      }
      if (url == kEnableWhenExprUrl) {
        enable_expression = &e;
        continue;
      }
      if (url != kCriticalUrl) continue;
      auto v = e.find("valueDecimal");
      if (v == e.end() || !qjson::finite_number(*v))
        return fail(where, "critical-at-or-above is not a number (valueDecimal)");
      bool weighted = false;
      for (const auto& o : item.options) weighted = weighted || o.weight.has_value();
      if (!weighted) return fail(where, "critical-at-or-above needs answer options with weights");
      item.critical_at_or_above = v->get<double>();
    }

    const bool calculated_only = item.calculated || item.read_only;
    if (item.type == ItemType::quantity && !calculated_only) {
      return fail(where, "quantity items are supported only as calculated or read-only results");
    }
    if (enable_expression) {
      // When a question shows is decided by an expression the kiosk does not
      // run: refuse rather than show it at the wrong time.
      if (item.answerable() || (item.type == ItemType::display && !item.hidden)) {
        return fail(where, "enableWhenExpression is not supported on an item the patient sees; use enableWhen");
      }
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
    if (children != j.end()) return help_items(*children, where, item);
    return Status::Ok();
  }

  // Display items under a question (instructions, help) become its help text.
  Status help_items(const json& children, const std::string& where, Item& item) {
    if (!children.is_array()) return fail(where, "item is not an array");
    for (std::size_t i = 0; i < children.size(); ++i) {
      const json& c = children[i];
      const std::string cw = where + ": item[" + std::to_string(i) + "]";
      if (!c.is_object()) return fail(cw, "is not an object");
      const std::string* type = qjson::string_at(c, "type");
      const std::string* link = qjson::string_at(c, "linkId");
      if (!type || *type != "display") {
        return fail(cw, "only display items (help text) may sit under a question; a nested question is not "
                        "supported");
      }
      if (link && (q_.paths_.count(*link) || !help_ids_.insert(*link).second))
        return fail(cw, "duplicate linkId '" + *link + "'");
      if (c.contains("item")) return fail(cw, "help text cannot contain items");
      LocalizedText text;
      if (Status s = localized(c, "text", cw, text); !s.ok()) return s;
      auto join = [](std::string& a, const std::string& b) {
        if (b.empty()) return;
        if (!a.empty()) a += "\n";
        a += b;
      };
      join(item.help.base, text.base);
      for (const auto& [lang, t] : text.translations) join(item.help.translations[lang], t);
    }
    return Status::Ok();
  }

  Status expression(const json& ext, const std::string& where, const std::string& what, ItemExpression& out) const {
    auto v = ext.find("valueExpression");
    if (v == ext.end() || !v->is_object()) return fail(where, what + " needs valueExpression");
    const std::string* language = qjson::string_at(*v, "language");
    const std::string* text = qjson::string_at(*v, "expression");
    if (!language || language->empty()) return fail(where, what + " has no language");
    if (!text || text->empty()) return fail(where, what + " has no expression");
    out.language = *language;
    out.text = *text;
    if (const std::string* name = qjson::string_at(*v, "name")) out.name = *name;
    if (what == "variable" && out.name.empty()) return fail(where, "variable has no name");
    return Status::Ok();
  }

  Status questionnaire_variables(const json& doc) {
    const json* exts = nullptr;
    if (Status s = extensions(doc, "Questionnaire", exts); !s.ok() || !exts) return s;
    for (const json& e : *exts) {
      if (*qjson::string_at(e, "url") != kVariableUrl) continue;
      ItemExpression x;
      if (Status s = expression(e, "Questionnaire", "variable", x); !s.ok()) return s;
      q_.variables_.push_back(std::move(x));
    }
    return Status::Ok();
  }

  // answerValueSet: a ValueSet contained in the file ("#id", or its url).
  // The kiosk is offline, so nothing else can be resolved.
  Status value_set_options(const std::string& ref, const std::string& where, Item& item) {
    const json* vs = nullptr;
    for (const json& c : or_empty(doc_ && doc_->contains("contained") && (*doc_)["contained"].is_array()
                                      ? &(*doc_)["contained"]
                                      : nullptr)) {
      if (!c.is_object() || qjson::string_at(c, "resourceType") == nullptr ||
          *qjson::string_at(c, "resourceType") != "ValueSet")
        continue;
      const std::string* id = qjson::string_at(c, "id");
      const std::string* url = qjson::string_at(c, "url");
      if ((ref.starts_with("#") && id && ref.substr(1) == *id) || (url && *url == ref)) vs = &c;
    }
    if (!vs) {
      return fail(where, "answerValueSet '" + ref +
                             "' cannot be resolved offline: contain the ValueSet in the file or list answerOption");
    }
    const std::string vs_where = where + ": ValueSet '" + ref + "'";
    auto add = [&](const json& concept_el, const std::string& system) -> Status {
      AnswerOption opt;
      const std::string* code = qjson::string_at(concept_el, "code");
      if (!code || code->empty()) return fail(vs_where, "a concept has no code");
      opt.coding = {system, *code, ""};
      if (const std::string* d = qjson::string_at(concept_el, "display")) opt.display.base = *d;
      for (const json& d : or_empty(concept_el.contains("designation") && concept_el["designation"].is_array()
                                        ? &concept_el["designation"]
                                        : nullptr)) {
        const std::string* lang = qjson::string_at(d, "language");
        const std::string* value = qjson::string_at(d, "value");
        if (lang && value) {
          opt.display.translations[*lang] = *value;
          langs_.insert(*lang);
        }
      }
      opt.coding.display = opt.display.base;
      if (Status s = weights(concept_el, vs_where + " (code '" + *code + "')", opt); !s.ok()) return s;
      if (item.find_option(opt.coding)) return fail(vs_where, "code '" + *code + "' is listed twice");
      item.options.push_back(std::move(opt));
      return Status::Ok();
    };
    if (auto ex = vs->find("expansion"); ex != vs->end() && ex->is_object() && ex->contains("contains")) {
      for (const json& c : or_empty(&(*ex)["contains"])) {
        const std::string* system = qjson::string_at(c, "system");
        if (Status s = add(c, system ? *system : ""); !s.ok()) return s;
      }
    } else if (auto compose = vs->find("compose"); compose != vs->end() && compose->is_object()) {
      for (const json& inc : or_empty(compose->contains("include") ? &(*compose)["include"] : nullptr)) {
        if (inc.contains("filter") || inc.contains("valueSet"))
          return fail(vs_where, "compose.include with a filter or valueSet cannot be expanded offline");
        const std::string* system = qjson::string_at(inc, "system");
        for (const json& c : or_empty(inc.contains("concept") ? &inc["concept"] : nullptr)) {
          if (Status s = add(c, system ? *system : ""); !s.ok()) return s;
        }
      }
    }
    if (item.options.empty()) return fail(vs_where, "lists no concepts (expansion.contains or compose.include.concept_el)");
    return Status::Ok();
  }

  // Weights from the extensions of `el` and of its valueCoding.
  Status weights(const json& el, const std::string& where, AnswerOption& opt) {
    std::vector<const json*> places{&el};
    if (auto vc = el.find("valueCoding"); vc != el.end() && vc->is_object()) places.push_back(&*vc);
    for (const json* place : places) {
      const json* exts = nullptr;
      if (Status s = extensions(*place, where, exts); !s.ok()) return s;
      for (const json& e : or_empty(exts)) {
        if (!is_weight_url(*qjson::string_at(e, "url"))) continue;
        auto v = e.find("valueDecimal");
        if (v == e.end()) v = e.find("valueInteger");
        if (v == e.end() || !qjson::finite_number(*v)) return fail(where, "weight (valueDecimal) is not a number");
        const double w = v->get<double>();
        if (opt.weight && *opt.weight != w) return fail(where, "has two different weights");
        opt.weight = w;
      }
    }
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
    return weights(j, code_where, opt);
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
  mutable std::vector<std::string> errors_, warnings_;
  const json* doc_ = nullptr;
  std::set<std::string> help_ids_;
  mutable std::set<std::string> unsystemed_;
  Questionnaire q_;
  std::set<std::string> langs_;
  std::size_t item_count_ = 0;
};

namespace {
Result<Questionnaire> first_or_all(QuestionnaireCheck check) {
  if (check.questionnaire) return std::move(*check.questionnaire);
  std::string message;
  for (const auto& e : check.errors) message += (message.empty() ? "" : "\n") + e;
  if (message.empty()) message = "questionnaire: not usable";
  return Status(Errc::invalid_questionnaire, message);
}
}  // namespace

Result<Questionnaire> Questionnaire::from_json(const json& doc, std::string_view source) {
  if (sodium_init() < 0) return Status(Errc::internal, "libsodium failed to initialise");
  return first_or_all(QuestionnaireParser(source).run(doc));
}

Result<Questionnaire> Questionnaire::parse(std::string_view json_text, std::string_view source) {
  return first_or_all(check_questionnaire(json_text, source));
}

QuestionnaireCheck check_questionnaire(std::string_view json_text, std::string_view source) {
  json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    QuestionnaireCheck c;
    c.errors.push_back(std::string(source) + ": not valid JSON");
    return c;
  }
  if (sodium_init() < 0) {
    QuestionnaireCheck c;
    c.errors.push_back(std::string(source) + ": libsodium failed to initialise");
    return c;
  }
  return QuestionnaireParser(source).run(doc);
}

}  // namespace outpost
