// Questionnaire engine: FHIR R4 Questionnaire in, QuestionnaireResponse and a
// score out. The supported profile is in docs/design.md, "Questionnaire
// profile"; anything outside it is rejected with a message naming the linkId
// or field.
//
// Pure C++: no I/O. Callers read files and pass text in. A parsed
// Questionnaire is immutable and may be shared between threads; Answers is a
// plain value owned by one session (the UI thread).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kiosk/result.h"

namespace outpost {

// Text with translations from the FHIR `translation` extension.
struct LocalizedText {
  std::string base;                                 // the element's own text
  std::map<std::string, std::string> translations;  // lang -> content
  // The translation for `lang`, or `base` when there is none.
  const std::string& in(std::string_view lang) const;
};

struct Coding {
  std::string system;
  std::string code;
  std::string display;
  // Codings are equal when system and code are (display is for people).
  bool operator==(const Coding& o) const { return system == o.system && code == o.code; }
};

// A FHIR date: YYYY, YYYY-MM or YYYY-MM-DD (validated on parse).
struct Date {
  std::string iso;
  bool operator==(const Date&) const = default;
};

// quantity is accepted only for calculated or read-only results (a total).
enum class ItemType { group, display, choice, boolean, integer, decimal, string, text, date, quantity };
const char* item_type_name(ItemType type);  // the FHIR code, e.g. "choice"

// One answer. The alternative must match the item type:
// choice: Coding; boolean: bool; integer: int64; decimal: double;
// string and text: std::string; date: Date.
using AnswerValue = std::variant<Coding, bool, std::int64_t, double, std::string, Date>;

enum class EnableOp { exists, eq, ne, gt, lt, ge, le };

struct EnableWhen {
  std::string question;  // linkId of the item it depends on
  EnableOp op;
  AnswerValue answer;  // for `exists`, a bool
};

enum class EnableBehavior { all, any };

struct AnswerOption {
  Coding coding;
  LocalizedText display;         // coding.display with its translations
  // itemWeight, ordinalValue or iso21090-CO-value, on the option, on its
  // valueCoding, or on the concept of a contained ValueSet.
  std::optional<double> weight;
};

// A FHIR Expression (SDC calculatedExpression, variable).
struct ItemExpression {
  std::string name;      // variables: the %name
  std::string language;  // "text/fhirpath", "text/cql", ...
  std::string text;
};

struct Item {
  std::string link_id;
  ItemType type = ItemType::display;
  LocalizedText text;
  bool required = false;
  std::vector<AnswerOption> options;  // choice items only
  std::vector<EnableWhen> enable_when;
  EnableBehavior enable_behavior = EnableBehavior::all;
  std::optional<double> critical_at_or_above;  // urn:outpost:critical-at-or-above, or a crisis rule
  std::vector<Item> items;                     // nested items (under groups)
  std::vector<Coding> codes;                   // Questionnaire.item.code
  LocalizedText help;                          // display items nested under a question
  bool hidden = false;                         // the questionnaire-hidden extension
  bool read_only = false;
  std::optional<ItemExpression> calculated;    // sdc-questionnaire-calculatedExpression
  std::vector<ItemExpression> variables;       // variable extensions on this item

  const AnswerOption* find_option(const Coding& c) const;
  // A question the patient answers: not a group or display, not hidden,
  // read-only or calculated. Only these are shown, accepted and carried.
  bool answerable() const;
  bool has_code(std::string_view system, std::string_view code) const;
};

// How a questionnaire's total is computed (docs/design.md, "Questionnaire
// profile", Scoring). Chosen at parse time and explained by validate.
struct Scoring {
  enum class Method {
    weights,      // sum of the weights of the chosen answers
    expression,   // the file's own FHIRPath on its total item
    instrument,   // a published key (PHQ-9, GAD-7) over LOINC-coded items
    none,         // the file defines its score in a way the engine does not evaluate
  };
  Method method = Method::weights;
  std::string description;            // one line for people
  std::vector<std::string> key_items; // instrument: the linkIds summed
};

struct ScoreBand {
  std::int64_t min = 0;  // inclusive
  std::int64_t max = 0;  // inclusive
  std::string label;
  std::map<std::string, std::string> label_translations;  // lang -> label
  // The label in `lang`, or `label` when it has no translation.
  const std::string& label_in(std::string_view lang) const;
};

class Questionnaire {
 public:
  // Parses and validates a FHIR R4 Questionnaire. `source` (usually the file
  // name) starts every error message.
  static Result<Questionnaire> parse(std::string_view json_text, std::string_view source = "questionnaire");
  static Result<Questionnaire> from_json(const nlohmann::json& doc,
                                         std::string_view source = "questionnaire");

  const std::string& id() const { return id_; }
  const std::string& url() const { return url_; }
  const std::string& version() const { return version_; }
  const LocalizedText& title() const { return title_; }
  const Coding& code() const { return code_; }               // first Questionnaire.code, e.g. LOINC 44249-1
  const std::string& language() const { return language_; }  // of the base texts; "en" if unset
  // Every language the texts are available in, base language first.
  const std::vector<std::string>& languages() const { return languages_; }
  const std::vector<Item>& items() const { return items_; }
  const std::vector<ScoreBand>& bands() const { return bands_; }

  // Identity (docs/design.md, "Questionnaire profile", Identity): "url|version".
  // When the file has no version, version() is derived from its content
  // ("content-" + 16 hex digits) and version_derived() is true.
  std::string key() const { return url_ + "|" + version_; }
  bool version_derived() const { return version_derived_; }
  // Hex BLAKE2b-256 of the file's JSON in canonical form (sorted keys, no
  // white space): what the kiosk and the clinic compare.
  const std::string& digest() const { return digest_; }
  // Why the kiosk must not offer it (no url, ...); empty when deployable.
  const std::vector<std::string>& deploy_problems() const { return deploy_problems_; }
  bool deployable() const { return deploy_problems_.empty(); }
  // Things a clinic should know that do not stop it (validate lists them).
  const std::vector<std::string>& warnings() const { return warnings_; }
  const Scoring& scoring() const { return scoring_; }
  // The calculated item that holds the total (its code, e.g. LOINC 44261-6,
  // goes in the response); nullptr when the file has none.
  const Item* total_item() const;
  // The file as parsed, for expressions that read %questionnaire.
  const nlohmann::json& source_json() const { return *source_; }
  // Questionnaire-level variable extensions, in order.
  const std::vector<ItemExpression>& variables() const { return variables_; }
  // Marks an item critical at or above a weight (crisis rules); false when
  // there is no such choice item with weighted options.
  bool set_critical(std::string_view link_id, double at_or_above);

  // Lookup by linkId anywhere in the tree; nullptr if absent.
  const Item* find(std::string_view link_id) const;
  // The group an item sits in directly; nullptr for top-level items.
  const Item* parent_of(std::string_view link_id) const;
  // All items, depth-first in document order.
  std::vector<const Item*> flatten() const;
  // The band whose [min, max] holds score; nullptr when none does.
  const ScoreBand* band_for(double score) const;

 private:
  std::string id_, url_, version_, language_ = "en", digest_;
  bool version_derived_ = false;
  std::vector<std::string> deploy_problems_, warnings_;
  Scoring scoring_;
  std::string total_link_id_;
  std::shared_ptr<const nlohmann::json> source_;
  std::vector<ItemExpression> variables_;
  LocalizedText title_;
  Coding code_;
  std::vector<std::string> languages_;
  std::vector<Item> items_;
  std::vector<ScoreBand> bands_;
  // linkId -> index path from items_ (copy-safe, unlike pointers).
  std::map<std::string, std::vector<std::size_t>, std::less<>> paths_;
  friend class QuestionnaireParser;
};

// The patient's answers, keyed by linkId. Lives in memory only; wipe()
// overwrites every stored string before releasing it (also on destruction).
class Answers {
 public:
  Answers() = default;
  Answers(const Answers&) = default;
  Answers& operator=(const Answers&) = default;
  Answers(Answers&&) = default;
  Answers& operator=(Answers&&) = default;
  ~Answers() { wipe(); }

  void set(const std::string& link_id, AnswerValue value);
  void erase(std::string_view link_id);
  const AnswerValue* get(std::string_view link_id) const;
  bool empty() const { return values_.empty(); }
  const std::map<std::string, AnswerValue, std::less<>>& all() const { return values_; }
  void wipe();

 private:
  std::map<std::string, AnswerValue, std::less<>> values_;
};

// Whether `value` is a valid answer to `item`: its type, a finite decimal, a
// real date, one of the options for a choice.
bool value_fits(const Item& item, const AnswerValue& value);

// True when the item's enableWhen conditions hold (and every ancestor's).
bool is_enabled(const Questionnaire& q, const Item& item, const Answers& answers);

// The items a patient is shown one per screen, in order, given the answers so
// far: enabled items that are not groups (display items are shown as
// information pages).
std::vector<const Item*> pages(const Questionnaire& q, const Answers& answers);

// Whether choosing `value` for `item` makes the result critical.
bool is_critical_answer(const Item& item, const AnswerValue& value);

// Removes answers to items that are now disabled (after an earlier answer
// changed), so that the response never answers a disabled item.
void drop_disabled_answers(const Questionnaire& q, Answers& answers);

struct Assessment {
  double score = 0;                         // the total (Questionnaire::scoring())
  bool score_computed = true;               // false: Scoring::Method::none, score is 0 and means nothing
  std::string score_note;                   // why not, for people
  std::optional<ScoreBand> band;            // the band holding score, if any
  std::vector<std::string> flags;           // e.g. "critical"
  std::vector<std::string> critical_items;  // linkIds that triggered "critical"
};

// Whether the result must raise a crisis alert (a critical item or flag).
bool is_critical(const Assessment& a);

// The first thing validate_answers refuses: the linkId (of an answer, or of
// an enabled required item or group left unanswered) and why.
struct AnswerProblem {
  std::string link_id;
  bool unanswered = false;  // a required item or group with no answer
  std::string what;         // "required item is not answered"
};
std::optional<AnswerProblem> first_answer_problem(const Questionnaire& q, const Answers& answers);

// Checks the answers against the questionnaire: every answered linkId exists
// and is enabled, each value has the item's type, codes are among the item's
// options, and every enabled required item is answered. Errors are
// Errc::invalid_response and name the linkId (first_answer_problem).
Status validate_answers(const Questionnaire& q, const Answers& answers);

// validate_answers, then score, band and flags.
Result<Assessment> assess(const Questionnaire& q, const Answers& answers);

// Everything validate reports about a file: the questionnaire when it
// parses, every error, every warning (docs/design.md, "Questionnaire profile").
struct QuestionnaireCheck {
  std::optional<Questionnaire> questionnaire;
  std::vector<std::string> errors;    // each starts with the source; non-empty: not usable
  std::vector<std::string> warnings;  // usable, but a clinic should know
};
QuestionnaireCheck check_questionnaire(std::string_view json_text, std::string_view source = "questionnaire");

// The response's item tree for `answers` (what expressions see as %resource).
nlohmann::json response_resource(const Questionnaire& q, const Answers& answers);

// Reads a FHIR QuestionnaireResponse (nested items as in the Questionnaire)
// into Answers. Type and structure errors are Errc::invalid_response naming
// the linkId. Does not run validate_answers.
Result<Answers> answers_from_response(const Questionnaire& q, const nlohmann::json& response,
                                      std::string_view source = "response");

struct ResponseMeta {
  std::string language;  // the language the patient used
  std::string subject;   // patient code; empty for an anonymous walk-in
  std::string authored;  // ISO 8601 timestamp of submission
};

// Builds the FHIR QuestionnaireResponse, with the assessment carried as
// extensions (docs/design.md, "Questionnaire profile", QuestionnaireResponse).
// Text and option displays are in meta.language (else the base language).
nlohmann::json to_response(const Questionnaire& q, const Answers& answers, const Assessment& assessment,
                           const ResponseMeta& meta);

// {"score": N, "band": "...", "flags": [...], "critical_items": [...]}; score
// is an integer when it is whole.
nlohmann::json assessment_json(const Assessment& assessment);
// The same with the band label in `lang` when the band has that translation.
nlohmann::json assessment_json(const Assessment& assessment, std::string_view lang);

}  // namespace outpost
